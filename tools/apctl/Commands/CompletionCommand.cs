using System.CommandLine;
using Apmatrix.Apctl.Cli;

namespace Apmatrix.Apctl.Commands;

/// <summary><c>apctl completion bash</c>: a completion script for bash that asks apctl itself, so it never falls behind the verbs.</summary>
public static class CompletionCommand
{
    public static Command Build(Io io)
    {
        var shell = new Argument<string>("shell") { Description = "the shell (bash)" }.AcceptOnlyFromAmong("bash");
        var command = new Command("completion", "prints a shell completion script: source <(apctl completion bash)") { shell };
        command.SetAction(_ =>
        {
            // System.CommandLine answers "[suggest:N] LINE" with the completions at position N of the line.
            io.Out.Write("""
                _apctl_complete() {
                    local IFS=$'\n' word=${COMP_WORDS[COMP_CWORD]} suggestion
                    COMPREPLY=()
                    for suggestion in $(apctl "[suggest:${COMP_POINT}]" "${COMP_LINE}" 2>/dev/null); do
                        # apctl matches anywhere in a word, bash replaces the word: only what starts with it, and never Windows' /? and /h.
                        [[ $suggestion == "$word"* && $suggestion != /* ]] && COMPREPLY+=("$suggestion")
                    done
                }
                complete -o default -F _apctl_complete apctl

                """);
            return 0;
        });
        return command;
    }
}
