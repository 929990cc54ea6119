using Apmatrix.Apctl.Cli;

namespace Apmatrix.Tools.Tests;

/// <summary>apctl's command line without services: help, version, completion, and bad usage as exit 2.</summary>
public sealed class ApctlUsageTests
{
    static async Task<(int Code, string Out, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await ApctlCli.RunAsync(args, new Io(output, error, Terminal: false));
        return (code, output.ToString(), error.ToString());
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("mdev", "define", "--help")]
    [InlineData("--version")]
    public async Task Should_answer_help_and_version_with_0(params string[] args)
    {
        var (code, output, _) = await RunAsync(args);

        Assert.Equal(ExitCodes.Done, code);
        Assert.NotEmpty(output);
    }

    [Theory]
    [InlineData("mdev", "lsit", "h")]
    [InlineData("host", "show")]
    [InlineData("host", "list", "--output", "yaml")]
    [InlineData("host", "list", "--apbus-url", "not a url")]
    [InlineData("host", "config", "h", "--apm", "1")]
    [InlineData("mdev", "modify", "h", "m", "--assign-adapter", "256")]
    [InlineData("mdev", "modify", "h", "m")]
    [InlineData("mdev", "define", "h", "m", "--jsonfile", "/nonexistent/m.json")]
    public async Task Should_call_bad_usage_2_before_calling_anything(params string[] args)
    {
        // Port 1: were anything sent, it would fail as unreachable (3), not as bad usage.
        var (code, _, error) = await RunAsync([.. args, "--apbus-url", "http://127.0.0.1:1", "--vfioap-url", "http://127.0.0.1:1"]);

        Assert.True(code == ExitCodes.BadInput, $"exit {code}: {error}");
        Assert.StartsWith("apctl: ", error);
    }

    [Fact]
    public async Task Should_write_a_bash_completion_that_asks_apctl()
    {
        var (code, script, _) = await RunAsync("completion", "bash");
        var (_, suggestions, _) = await RunAsync("[suggest:9]", "apctl mde");

        Assert.Equal(ExitCodes.Done, code);
        Assert.Contains("complete -o default -F _apctl_complete apctl", script);
        Assert.Equal("mdev", suggestions.Trim());
    }
}
