#include "decisions.h"

#include <iostream>

#include "exit_code.h"

namespace vouch::cli {

int ReportDecisions(std::vector<verify::ImageDecision> decisions,
                    const std::vector<std::string>& as_written, const verify::TrustPolicy& trust,
                    verify::Shape shape, bool json) {
  for (size_t i = 0; i < decisions.size() && i < as_written.size(); ++i) {
    decisions[i].image = as_written[i];
  }
  const verify::Format format = json ? verify::Format::kJson : verify::Format::kText;
  std::cout << verify::Render(decisions, trust, shape, format);
  for (const std::string& line : verify::Problems(decisions, trust, shape)) {
    std::cerr << "vouch: " << line << "\n";
  }
  return ExitCodeFor(verify::OverallStatus(decisions));
}

}  // namespace vouch::cli
