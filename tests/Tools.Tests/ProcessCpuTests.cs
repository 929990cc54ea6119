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
        Assert.Equal("1", ProcessCpu.ParentOf(Stat));
    }

    [Theory]
    [InlineData("")]
    [InlineData("4242 (x S 1")]
    [InlineData("4242 (x) S 1 4242 4242 0 -1 4194560 900 12 0 0 250 50 1000")]
    [InlineData("4242 (x) S 1 4242 4242 0 -1 4194560 900 12 0 0 250 -50 1000 200 20")]
    [InlineData("4242 (x) S 1 4242 4242 0 -1 4194560 900 12 0 0 250 5x 1000 200 20")]
    public void Should_give_no_time_for_a_line_that_is_not_a_process_s_stat(string line) =>
        Assert.True(double.IsNaN(ProcessCpu.SecondsOf(line, reaped: true)));

    [Theory]
    // The broker as Debian's rabbitmq-server starts it.
    [InlineData("/usr/lib/erlang/erts-13.1.5/bin/beam.smp\0-W\0w\0--\0-boot\0start_sasl\0-noinput\0-s\0rabbit\0boot\0", true)]
    // rabbitmqctl's hidden node, and the VM it may start only to start epmd.
    [InlineData("/usr/lib/erlang/erts-13.1.5/bin/beam.smp\0-B\0--\0-boot\0start_clean\0-noshell\0-hidden\0-run\0elixir\0start_cli\0", false)]
    [InlineData("/usr/lib/erlang/erts-13.1.5/bin/beam.smp\0--\0-sname\0epmd-starter-75951116\0-noshell\0-s\0erlang\0halt\0", false)]
    [InlineData(null, false)]
    public void Should_count_only_the_Erlang_VMs_that_run_RabbitMQ_as_the_broker(string? commandLine, bool broker) =>
        Assert.Equal(broker, ProcessCpu.IsBrokerNode(commandLine));

    [Fact]
    public void Should_count_what_each_part_spent_and_leave_out_one_missing_at_either_end_or_whose_processes_changed()
    {
        var spent = ProcessCpu.Spent(
            new Dictionary<string, ProcessCpu.Part> { ["ApBus"] = new(1, "10"), ["RabbitMQ"] = new(10, "20"), ["PostgreSQL"] = new(3, "30"), ["VfioAp"] = new(2, "40 41") },
            new Dictionary<string, ProcessCpu.Part> { ["ApBus"] = new(4.5, "10"), ["RabbitMQ"] = new(12, "20"), ["GuestVm"] = new(2, "50"), ["VfioAp"] = new(0.5, "41 42") });

        // VfioAp's instance 40 was killed and 42 started in its place: how much 40 spent is lost with it.
        Assert.Equal(new Dictionary<string, double> { ["ApBus"] = 3.5, ["RabbitMQ"] = 2 }, spent);
    }

    [Fact]
    public void Should_sample_a_service_by_its_instances_and_this_tool_by_its_own_process_where_there_is_a_proc()
    {
        var own = Environment.ProcessId;
        var stack = new Instances([new("VfioAp", "VfioAp-1", new Uri("http://127.0.0.1:1"), own), new("GuestVm", "GuestVm-1", new Uri("http://127.0.0.1:2"), null)]);
        // Once first: reading every process's stat between VfioAp's and the tool's costs far more the first time (compiling).
        ProcessCpu.Sample(stack);
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
        // The runtime's own count of this process's time, VfioAp's too (it is this process): read a little apart, while other tests run.
        Assert.InRange(spent[ProcessCpu.LoadTool], measured - 0.1, measured + 0.1);
        Assert.InRange(spent["VfioAp"], spent[ProcessCpu.LoadTool] - 0.1, spent[ProcessCpu.LoadTool] + 0.1);
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
