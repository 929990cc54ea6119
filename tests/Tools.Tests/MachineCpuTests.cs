using Apmatrix.LoadTest;

namespace Apmatrix.Tools.Tests;

/// <summary>The machine's busy CPU time from <c>/proc/stat</c>'s first line.</summary>
public sealed class MachineCpuTests
{
    [Fact]
    public void Should_count_user_nice_system_irq_softirq_and_steal_but_not_idle_or_iowait() =>
        // user 2,000 + nice 100 + system 700 + irq 30 + softirq 50 + steal 20 ticks; idle 9,000 and iowait 400 are not busy.
        Assert.Equal(29, MachineCpu.BusySecondsOf("cpu  2000 100 700 9000 400 30 50 20 0 0"), 9);

    [Fact]
    public void Should_read_this_machine_s_busy_time_where_there_is_a_proc_stat()
    {
        var busy = MachineCpu.BusySeconds();

        if (File.Exists("/proc/stat")) Assert.True(busy > 0);
        else Assert.True(double.IsNaN(busy));
    }

    [Theory]
    [InlineData("")]
    [InlineData("cpu")]
    [InlineData("cpu  2000 100 700 9000 400 30 50")]
    [InlineData("cpu0 2000 100 700 9000 400 30 50 20 0 0")]
    [InlineData("intr 2000 100 700 9000 400 30 50 20 0 0")]
    [InlineData("cpu  2000 100 x 9000 400 30 50 20 0 0")]
    [InlineData("cpu  2000 -100 700 9000 400 30 50 20 0 0")]
    [InlineData("cpu  2000 100 700 9000 400 30 50 99999999999999999999 0 0")]
    public void Should_give_no_time_for_a_line_that_is_not_the_machine_s_cpu_line(string line) =>
        Assert.True(double.IsNaN(MachineCpu.BusySecondsOf(line)));
}
