// What the completion scripts and man pages are made of: DescribeCommands reads a command's (or a
// group's) declaration without running it, and the renderers of cli/shell_docs.h turn it into
// bash/zsh/fish scripts and roff. The installed scripts and pages are exercised by install_test.sh.
#include "shell_docs.h"

#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

#include "command.h"
#include "exit_code.h"

namespace vouch::cli {
namespace {

bool g_body_ran = false;

int RunSign(int argc, char** argv) {
  return Command("sign", "sign an image")
      .Positional({"IMAGE"})
      .Value("key", "the signing key")
      .Flag("recursive", "sign every platform")
      .OutputFlag()
      .Run(argc, argv, [](const Args&) {
        g_body_ran = true;
        return kExitOk;
      });
}

int RunGenerate(int argc, char** argv) {
  return Command("key generate", "make a key pair")
      .Value("algorithm", "the algorithm", "ecdsa-p256")
      .Run(argc, argv, [](const Args&) {
        g_body_ran = true;
        return kExitOk;
      });
}

int RunPublic(int argc, char** argv) {
  return Command("key public", "print a public key").Run(argc, argv, [](const Args&) {
    g_body_ran = true;
    return kExitOk;
  });
}

constexpr Subcommand kKeyTable[] = {{"generate", RunGenerate}, {"public", RunPublic}};

int RunKey(int argc, char** argv) {
  return RunSubcommand("key", "usage: vouch key generate|public\n", kKeyTable, argc, argv);
}

std::vector<DocumentedCommand> Documented() {
  return {{"sign", "sign an image", DescribeCommands("sign", RunSign)},
          {"key", "manage keys", DescribeCommands("key", RunKey)}};
}

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

BOOST_AUTO_TEST_SUITE(shell_docs)

BOOST_AUTO_TEST_CASE(describe_reads_declarations_without_running_them) {
  g_body_ran = false;
  const std::vector<CommandInfo> sign = DescribeCommands("sign", RunSign);
  BOOST_REQUIRE_EQUAL(sign.size(), 1u);
  BOOST_TEST(sign[0].name == "sign");
  BOOST_TEST(sign[0].summary == "sign an image");
  BOOST_TEST(Contains(sign[0].help, "vouch sign [OPTION...] IMAGE"), sign[0].help);
  std::vector<std::string> flags;
  for (const CommandInfo::Flag& f : sign[0].flags) {
    flags.push_back(f.name + (f.takes_value ? "=" : ""));
  }
  const std::vector<std::string> expected = {"help", "quiet", "verbose", "config=", "key=", "recursive", "output="};
  BOOST_TEST(flags == expected, boost::test_tools::per_element());

  const std::vector<CommandInfo> key = DescribeCommands("key", RunKey);
  BOOST_REQUIRE_EQUAL(key.size(), 2u);
  BOOST_TEST(key[0].name == "key generate");
  BOOST_TEST(key[1].name == "key public");
  BOOST_TEST(!g_body_ran);
  // Describing leaves nothing behind: the command runs normally afterwards.
  char name[] = "sign";
  char image[] = "img";
  char* argv[] = {name, image, nullptr};
  BOOST_TEST(RunSign(2, argv) == kExitOk);
  BOOST_TEST(g_body_ran);
}

BOOST_AUTO_TEST_CASE(completion_scripts_hold_verbs_subcommands_and_flags) {
  const std::vector<DocumentedCommand> docs = Documented();
  BOOST_TEST(!docs[0].group());
  BOOST_TEST(docs[1].group());
  const std::string bash = CompletionScript("bash", docs);
  BOOST_TEST(Contains(bash, "compgen -W 'sign key help'"), bash);
  BOOST_TEST(Contains(bash, "compgen -W 'generate public'"), bash);
  BOOST_TEST(Contains(bash, "'key generate') words='--help --quiet --verbose --config --algorithm'"), bash);
  BOOST_TEST(Contains(bash, "complete -o default -F _vouch vouch"), bash);
  const std::string zsh = CompletionScript("zsh", docs);
  BOOST_TEST(zsh.rfind("#compdef vouch\n", 0) == 0u, zsh);
  BOOST_TEST(Contains(zsh, "'sign:sign an image'"), zsh);
  BOOST_TEST(Contains(zsh, "'generate:make a key pair'"), zsh);
  const std::string fish = CompletionScript("fish", docs);
  BOOST_TEST(Contains(fish, "-f -a sign -d 'sign an image'"), fish);
  BOOST_TEST(Contains(fish,
                      "__fish_seen_subcommand_from key; and __fish_seen_subcommand_from "
                      "generate' -l algorithm -r -d 'the algorithm'"),
             fish);
  BOOST_TEST(Contains(fish, "-l recursive -d 'sign every platform'"), fish);
  BOOST_TEST(CompletionScript("tcsh", docs).empty());
}

BOOST_AUTO_TEST_CASE(roff_escapes_what_roff_would_interpret) {
  BOOST_TEST(RoffEscape("--key a\\b") == "\\-\\-key a\\eb");
  BOOST_TEST(RoffEscape(".SH x\n'quote\nmid.dot") == "\\&.SH x\n\\&'quote\nmid.dot");
  // Beyond ASCII: code points, as groff without preconv reads bytes.
  BOOST_TEST(RoffEscape("token=\xE2\x80\xA6;\xC3\xA9") == "token=\\[u2026];\\[u00E9]");
}

BOOST_AUTO_TEST_CASE(man_pages_overview_and_one_per_command) {
  const auto pages = ManPages(Documented(), {{"VOUCH_CONFIG", "the config file"}}, "1.2.3");
  BOOST_REQUIRE_EQUAL(pages.size(), 3u);
  BOOST_TEST(pages[0].first == "vouch.1");
  BOOST_TEST(pages[1].first == "vouch-sign.1");
  BOOST_TEST(pages[2].first == "vouch-key.1");
  const std::string& overview = pages[0].second;
  BOOST_TEST(overview.rfind(".TH VOUCH 1 \"\" \"vouch 1.2.3\"", 0) == 0u, overview);
  BOOST_TEST(Contains(overview, ".TP\n.B key generate\nmake a key pair\n"), overview);
  BOOST_TEST(Contains(overview, ".SH \"ENVIRONMENT\"\n.TP\n.B VOUCH_CONFIG\n"), overview);
  BOOST_TEST(Contains(overview, ".SH \"EXIT STATUS\""), overview);
  const std::string& sign = pages[1].second;
  BOOST_TEST(Contains(sign, ".SH NAME\nvouch\\-sign \\- sign an image\n"), sign);
  BOOST_TEST(Contains(sign, ".nf\nsign an image\n"), sign);
  BOOST_TEST(Contains(sign, "\\-\\-key"), sign);
  BOOST_TEST(Contains(pages[2].second, ".SH \"VOUCH KEY GENERATE\""), pages[2].second);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace vouch::cli
