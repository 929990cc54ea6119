using System.Diagnostics;
using Apmatrix.LoadTest;

namespace Apmatrix.Tools.Tests;

/// <summary>Each part's CPU time from <c>/proc/[pid]/stat</c>.</summary>
public sealed class ProcessCpuTests
{
    // utime 250, stime 50, cutime 1,000, cstime 200 ticks, after a command with a space and parentheses of its own.
    const string Stat = "4242 (odd) (name) S 1 4242 4242 0 -1 4194560 900 12 0 0 250 50 1000 200 20 0 3 0 77 1000 50";

    [Fact]
    public void Should_read_user_and_system_time_after_the_command_s_last_parenthesis()
    {
        Assert.Equal(3, ProcessCpu.SecondsOf(Stat, reaped: false), 9);
        Assert.Equal(15, ProcessCpu.SecondsOf(Stat, reaped: true), 9);
        Assert.Equal("odd) (name", ProcessCpu.CommandOf(Stat));
    }

    [Theory]
    [InlineData("")]
    [InlineData("4242 (x S 1")]
    [InlineData("4242 (x) S 1 4242 4242 0 -1 4194560 900 12 0 0 250 50 1000")]
    [InlineData("4242 (x) S 1 4242 4242 0 -1 4194560 900 12 0 0 250 -50 1000 200 20")]
    [InlineData("4242 (x) S 1 4242 4242 0 -1 4194560 900 12 0 0 250 5x 1000 200 20")]
    public void Should_give_no_time_for_a_line_that_is_not_a_process_s_stat(string line) =>
        Assert.True(double.IsNaN(ProcessCpu.SecondsOf(line, reaped: true)));

    [Fact]
    public void Should_count_what_each_part_spent_and_leave_out_a_part_missing_at_either_end()
    {
        var spent = ProcessCpu.Spent(new Dictionary<string, double> { ["ApBus"] = 1, ["RabbitMQ"] = 10, ["PostgreSQL"] = 3 },
            new Dictionary<string, double> { ["ApBus"] = 4.5, ["RabbitMQ"] = 12, ["GuestVm"] = 2 });

        Assert.Equal(new Dictionary<string, double> { ["ApBus"] = 3.5, ["RabbitMQ"] = 2 }, spent);
    }

    [Fact]
    public void Should_sample_a_service_by_its_instances_and_this_tool_by_its_own_process_where_there_is_a_proc()
    {
        var own = Environment.ProcessId;
        var stack = new Instances([new("VfioAp", "VfioAp-1", new Uri("http://127.0.0.1:1"), own), new("GuestVm", "GuestVm-1", new Uri("http://127.0.0.1:2"), null)]);
        var before = ProcessCpu.Sample(stack);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var busy = Stopwatch.StartNew();
        while (Process.GetCurrentProcess().TotalProcessorTime - cpu < TimeSpan.FromMilliseconds(200) && busy.Elapsed < TimeSpan.FromSeconds(10))
            _ = Enumerable.Range(0, 10_000).Sum();

        var after = ProcessCpu.Sample(stack);
        var measured = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
        var spent = ProcessCpu.Spent(before, after);

        if (!File.Exists("/proc/self/stat"))
        {
            Assert.Empty(after);
            return;
        }
        // The runtime's own count of this process's time, in 10 ms ticks either way; VfioAp is this process too.
        Assert.InRange(spent[ProcessCpu.LoadTool], measured - 0.05, measured + 0.05);
        Assert.InRange(spent["VfioAp"], spent[ProcessCpu.LoadTool] - 0.03, spent[ProcessCpu.LoadTool] + 0.03);
        // GuestVm runs in some caller's process, so it has no time of its own.
        Assert.False(after.ContainsKey("GuestVm"));
    }

    sealed class Instances(IReadOnlyList<ServiceInstance> instances) : IStack
    {
        public IReadOnlyList<ServiceInstance> ApBus => [];
        public IReadOnlyList<ServiceInstance> VfioAp => [.. instances.Where(i => i.Service == "VfioAp")];
        public IReadOnlyList<ServiceInstance> GuestVm => [.. instances.Where(i => i.Service == "GuestVm")];
        public string QueuePrefix => "";
        public string ApiKey => "";
        public void EnsureRunning() { }
    }
}
