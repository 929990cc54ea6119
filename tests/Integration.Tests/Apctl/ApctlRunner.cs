using System.Text.Json.Nodes;
using Apmatrix.Apctl.Cli;

namespace Apmatrix.Integration.Tests.Apctl;

/// <summary>apctl run in this process against the fixture's services, as the operator (or another key), its output captured.</summary>
public sealed class ApctlRunner(StackFixture stack, string apiKey, Uri? vfioAp = null) : IDisposable
{
    readonly string _keyFile = WriteKey(apiKey);

    static string WriteKey(string key)
    {
        var file = Path.GetTempFileName();
        File.WriteAllText(file, key);
        return file;
    }

    public async Task<ApctlRun> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        string[] all = ["--apbus-url", stack.ApBus.ToString(), "--vfioap-url", (vfioAp ?? stack.VfioAp).ToString(), "--guestvm-url", stack.GuestVm.ToString(),
            "--api-key-file", _keyFile, .. args];
        var code = await ApctlCli.RunAsync(all, new Io(output, error, Terminal: false));
        return new ApctlRun(code, output.ToString(), error.ToString());
    }

    /// <summary>Runs with <c>--output json</c> and expects <paramref name="code"/>; returns what it printed, parsed.</summary>
    public async Task<JsonNode> JsonAsync(int code, params string[] args)
    {
        var run = await RunAsync(["--output", "json", .. args]);
        Assert.True(run.Code == code, $"apctl {string.Join(' ', args)}: exit {run.Code}, not {code}; out: {run.Out}; err: {run.Error}");
        return JsonNode.Parse(run.Out)!;
    }

    public void Dispose() => File.Delete(_keyFile);
}

public sealed record ApctlRun(int Code, string Out, string Error);
