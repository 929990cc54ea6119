using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Apmatrix.LoadTest;

namespace Apmatrix.Tools.Tests;

/// <summary>The demo starts a stack of its own: with the services' ports taken, or arguments it does not take, it stops before it changes anything.</summary>
public sealed class DemoScriptTests
{
    [Fact]
    public async Task Should_refuse_to_start_while_a_port_of_its_stack_answers()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 5104);
        try
        {
            taken.Start();
        }
        catch (SocketException)
        {
            // Already taken by something else: the demo must refuse all the same.
        }
        var keys = Path.Combine(Repository.Root(), ".run/api-keys.env");
        var keysBefore = File.Exists(keys) ? File.GetLastWriteTimeUtc(keys) : (DateTime?)null;
        using var demo = Process.Start(new ProcessStartInfo("bash", [Path.Combine(Repository.Root(), "scripts/demo.sh")])
        {
            RedirectStandardError = true, RedirectStandardOutput = true,
        })!;

        string error;
        try
        {
            error = await demo.StandardError.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(30));
            await demo.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        }
        finally
        {
            // Had it gone on, it would be starting servers and services: none of it outlives the test.
            if (!demo.HasExited) demo.Kill(entireProcessTree: true);
        }

        Assert.Equal(1, demo.ExitCode);
        Assert.Contains("is in use", error);
        Assert.Contains("nothing was changed", error);
        Assert.Equal(keysBefore, File.Exists(keys) ? File.GetLastWriteTimeUtc(keys) : null);
    }

    [Theory]
    [InlineData(2, "--serv")]
    [InlineData(2, "--serve", "now")]
    [InlineData(0, "--help")]
    public async Task Should_take_only_serve_or_help(int exitCode, params string[] args)
    {
        using var demo = Process.Start(new ProcessStartInfo("bash", [Path.Combine(Repository.Root(), "scripts/demo.sh"), .. args])
        {
            RedirectStandardError = true, RedirectStandardOutput = true,
        })!;
        var output = demo.StandardOutput.ReadToEndAsync();
        var error = demo.StandardError.ReadToEndAsync();
        try
        {
            await demo.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        }
        finally
        {
            if (!demo.HasExited) demo.Kill(entireProcessTree: true);
        }

        Assert.Equal(exitCode, demo.ExitCode);
        Assert.Contains("usage: scripts/demo.sh [--serve]", exitCode == 0 ? await output : await error);
    }
}
