using Apmatrix.Hosting;
using Microsoft.Extensions.Logging;

namespace Apmatrix.Services.Tests.Hosting;

/// <summary>An outage logs once when it starts and once when it ends, and backs off from 0.5 s doubling to 5 s.</summary>
public class OutageTests
{
    [Fact]
    public void The_back_off_doubles_from_half_a_second_up_to_five()
    {
        Assert.Equal([0.5, 1, 2, 4, 5, 5, 5, 5], new[] { 1, 2, 3, 4, 5, 6, 7, 1000 }.Select(n => Outage.Delay(n).TotalSeconds));
    }

    [Fact]
    public void Many_failed_attempts_log_one_warning_and_the_recovery_one_line_with_duration_and_attempts()
    {
        var log = new ListLogger<Outage>();
        var clock = new ManualClock();
        var outage = new Outage(log, "publishing the outbox", clock);
        for (var i = 0; i < 50; i++) outage.Failed(new IOException("connection reset"));
        clock.Advance(TimeSpan.FromSeconds(42));
        outage.Succeeded();
        outage.Succeeded();

        Assert.Equal(2, log.Lines.Count);
        Assert.Equal(LogLevel.Warning, log.Lines[0].Level);
        Assert.Equal(LogLevel.Information, log.Lines[1].Level);
        Assert.Contains("00:00:42", log.Lines[1].Text);
        Assert.Contains("50 failed attempts", log.Lines[1].Text);
        Assert.Equal(0, outage.FailedAttempts);
    }

    [Fact]
    public void A_server_that_does_not_answer_is_logged_with_its_cause_and_no_stack_anything_else_with_its_stack()
    {
        var log = new ListLogger<Outage>();
        new Outage(log, "asking the broker").Failed(new InvalidOperationException("connecting failed",
            new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.ConnectionRefused)));
        var bug = new InvalidOperationException("a bug");
        new Outage(log, "publishing").Failed(bug);

        Assert.Null(log.Lines[0].Exception);
        Assert.Contains("asking the broker is failing (Connection refused)", log.Lines[0].Text);
        Assert.Same(bug, log.Lines[1].Exception);
    }

    [Fact]
    public void A_new_outage_after_a_recovery_warns_again()
    {
        var log = new ListLogger<Outage>();
        var outage = new Outage(log, "re-sending", new ManualClock());
        outage.Failed(new IOException());
        outage.Succeeded();
        Assert.Equal(TimeSpan.FromMilliseconds(500), outage.Failed(new IOException()));
        Assert.Equal([LogLevel.Warning, LogLevel.Information, LogLevel.Warning], log.Lines.Select(l => l.Level));
    }
}
