#!/usr/bin/env bash
# install_test.sh BUILD_DIR: installs the build into a temporary prefix, as a packager would
# (`cmake --install BUILD_DIR --prefix P`), and uses the result as a user would: the installed
# vouch runs, its man pages render (vouch.1 with the command list, vouch-sign.1 with its
# options), bash completion completes verbs, subcommands and flags, and the zsh and fish scripts
# parse when those shells are installed (said so when they are not). Docs are installed; the
# debug info is not (it is the separate `debug` component).
set -euo pipefail

build=$1
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
fail() {
  echo "FAIL: $*" >&2
  exit 1
}
expect() {  # expect WHAT TEXT NEEDLE...
  local what=$1 text=$2
  shift 2
  for needle in "$@"; do
    grep -qF -- "$needle" <<<"$text" || fail "$what lacks \"$needle\":"$'\n'"$text"
  done
}

cmake --install "$build" --prefix "$prefix" >/dev/null
# No config file of the person running the tests reaches the installed vouch.
export XDG_CONFIG_HOME=$prefix/no-config
unset VOUCH_CONFIG

version=$("$prefix/bin/vouch" version) || fail "installed vouch version exited $?"
expect "vouch version" "$version" "vouch " "commit "

man1=$prefix/share/man/man1
[[ -f $man1/vouch.1 && -f $man1/vouch-sign.1 && -f $man1/vouch-key.1 ]] ||
  fail "man pages missing: $(ls "$man1")"
for page in "$man1"/*.1; do
  warnings=$(groff -man -ww -z "$page" 2>&1) || fail "groff failed on $page"
  [[ -z $warnings ]] || fail "groff warns on $page: $warnings"
done
overview=$(man -E ascii -P cat -l "$man1/vouch.1" 2>&1) || fail "man -l vouch.1 failed"
expect "vouch.1" "$overview" "COMMANDS" "verify-blob" "key generate" "EXIT STATUS" \
  "ENVIRONMENT" "VOUCH_CONFIG" "SIGSTORE_ID_TOKEN"
sign=$(man -E ascii -P cat -l "$man1/vouch-sign.1" 2>&1) || fail "man -l vouch-sign.1 failed"
expect "vouch-sign.1" "$sign" "vouch-sign - " "--key" "--config" "exit codes:"

complete_bash() {  # complete_bash WORD... : what the installed script offers for the last word
  bash --norc --noprofile -c '
    source "$1"
    shift
    COMP_WORDS=("$@")
    COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
    _vouch
    printf "%s\n" "${COMPREPLY[@]}"' _ "$prefix/share/bash-completion/completions/vouch" "$@"
}
expect "bash: vouch ver" "$(complete_bash vouch ver)" "version" "verify" "verify-blob"
[[ $(complete_bash vouch ver) != *sign* ]] || fail "bash: vouch ver offers sign"
expect "bash: vouch key ge" "$(complete_bash vouch key ge)" "generate"
expect "bash: vouch sign --ke" "$(complete_bash vouch sign --ke)" "--key"
expect "bash: vouch key generate --al" "$(complete_bash vouch key generate --al)" "--algorithm"
expect "bash: vouch help tru" "$(complete_bash vouch help tru)" "trusted-root"

zsh_script=$prefix/share/zsh/site-functions/_vouch
fish_script=$prefix/share/fish/vendor_completions.d/vouch.fish
[[ -f $zsh_script && -f $fish_script ]] || fail "zsh or fish completion not installed"
if command -v zsh >/dev/null; then
  zsh -n "$zsh_script" || fail "zsh -n $zsh_script"
else
  echo "zsh is not installed: _vouch not parsed"
fi
if command -v fish >/dev/null; then
  fish -n "$fish_script" || fail "fish -n $fish_script"
else
  echo "fish is not installed: vouch.fish not parsed"
fi

[[ -f $prefix/share/doc/vouch/README.md && -f $prefix/share/doc/vouch/docs/config.md ]] ||
  fail "docs not installed"
[[ ! -e $prefix/bin/.debug ]] || fail "debug info installed without --component debug"
echo "install test: ok"
