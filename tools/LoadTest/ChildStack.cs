using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Apmatrix.LoadTest;

/// <summary>
/// The services as child processes from their Release builds, each instance on a loopback port of its
/// own, configured through the environment as scripts/demo.sh does, with API keys made for this run.
/// Output goes to .run/load/NAME.log.
/// </summary>
public sealed class ChildStack : IStack, IAsyncDisposable
{
    static readonly TimeSpan ReadyPatience = TimeSpan.FromSeconds(90);
    static readonly TimeSpan StopPatience = TimeSpan.FromSeconds(20);

    readonly List<(ServiceInstance Instance, Process Process)> _children = [];
    readonly Dictionary<string, Launch> _launches = [];
    readonly List<StreamWriter> _logs = [];
    readonly LoopbackPorts _ports = new();
    readonly string _logDirectory;
    readonly StackKeys _keys = new();

    ChildStack(string logDirectory, string queuePrefix) => (_logDirectory, QueuePrefix) = (logDirectory, queuePrefix);

    public IReadOnlyList<ServiceInstance> ApBus { get; private set; } = [];
    public IReadOnlyList<ServiceInstance> VfioAp { get; private set; } = [];
    public IReadOnlyList<ServiceInstance> GuestVm { get; private set; } = [];
    public string QueuePrefix { get; }
    public string ApiKey => _keys.Operator;

    /// <summary>
    /// Starts VfioAp and GuestVm (the first instance of each alone, so one of them migrates the database),
    /// then ApBus, whose instances ask the first VfioAp for its mask veto; VfioAp asks the first ApBus for snapshots. Databases are <c>{service}_{databaseSuffix}</c>, made here
    /// as the admin and owned by each service's role. <paramref name="environment"/> goes to every instance (e.g. <see cref="OtlpSink.Settings"/>).
    /// </summary>
    public static async Task<ChildStack> StartAsync(string repository, Servers servers, int apBus, int vfioAp, int guestVm, string databaseSuffix,
        string queuePrefix, TextWriter log, CancellationToken cancellationToken, IReadOnlyList<(string, string)>? environment = null)
    {
        var stack = new ChildStack(Path.Combine(repository, ".run", "load"), queuePrefix);
        Directory.CreateDirectory(stack._logDirectory);
        try
        {
            // Each asks the other: ApBus VfioAp for its mask veto, VfioAp ApBus for a host's snapshot when it reconciles.
            var apBusUrl = stack._ports.Next();
            var vfio = await stack.StartServiceAsync(repository, servers, "VfioAp", vfioAp, $"vfioap_{databaseSuffix}",
                [("Services__ApBus", apBusUrl.ToString()), .. environment ?? []], log, cancellationToken);
            var guests = await stack.StartServiceAsync(repository, servers, "GuestVm", guestVm, $"guestvm_{databaseSuffix}", [.. environment ?? []],
                log, cancellationToken);
            var bus = await stack.StartServiceAsync(repository, servers, "ApBus", apBus, $"apbus_{databaseSuffix}",
                [("Services__VfioAp", vfio[0].Url.ToString()), .. environment ?? []], log, cancellationToken, apBusUrl);
            (stack.VfioAp, stack.GuestVm, stack.ApBus) = (vfio, guests, bus);
            return stack;
        }
        catch
        {
            await stack.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// The services' gen0 budget (16 MiB; the default is about 6): a lane holds up to 500 messages until their batch
    /// commits, and with the default most of them lived through a gen1 collection. Only the environment reaches this
    /// setting, so every launcher gives it: this tool, scripts/demo.sh and the services' Dockerfiles.
    /// </summary>
    public const string Gen0Budget = "0x1000000";

    static string ServiceBinary(string repository, string service) =>
        Path.Combine(repository, "services", service, "bin", "Release", "net10.0", $"Apmatrix.{service}.dll");

    async Task<List<ServiceInstance>> StartServiceAsync(string repository, Servers servers, string service, int count, string database,
        (string, string)[] settings, TextWriter log, CancellationToken cancellationToken, Uri? firstUrl = null)
    {
        var binary = ServiceBinary(repository, service);
        if (!File.Exists(binary)) throw new InvalidOperationException($"{binary} is missing: dotnet build services/{service} -c Release");
        await servers.CreateDatabaseAsync(service, database, cancellationToken);
        var instances = new List<ServiceInstance>();
        for (var i = 1; i <= count; i++)
        {
            var url = i == 1 && firstUrl is not null ? firstUrl : _ports.Next();
            instances.Add(Start(new Launch(binary, service, $"{service}-{i}", servers, database, settings, url)));
            if (i == 1) await WaitReadyAsync(_children[^1], cancellationToken);
        }
        foreach (var child in _children.Where(c => c.Instance.Service == service).Skip(1))
            await WaitReadyAsync(child, cancellationToken);
        log.WriteLine($"  {count} x {service} ready: {string.Join(", ", instances.Select(i => $"{i.Url.Authority} (pid {i.ProcessId})"))}");
        return instances;
    }

    /// <summary>How an instance was started, so that it can be started again after a kill.</summary>
    sealed record Launch(string Binary, string Service, string Name, Servers Servers, string Database, (string, string)[] Settings, Uri Url);

    ServiceInstance Start(Launch launch)
    {
        var (binary, service, name, servers, database, settings, url) = launch;
        // A restarted instance goes on writing the log its first life began.
        var again = !_launches.TryAdd(name, launch);
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.GetDirectoryName(binary)! };
        // On the command line: the services' appsettings.json name a fixed "Urls", which beats ASPNETCORE_URLS.
        foreach (var argument in new[] { binary, "--urls", url.ToString() }) start.ArgumentList.Add(argument);
        // The load tool holds the admin's and every service's credentials (.servers.env): a service gets only its own, below.
        foreach (var inherited in start.Environment.Keys.Where(k => k.StartsWith("APMATRIX_", StringComparison.Ordinal)).ToList())
            start.Environment.Remove(inherited);
        start.Environment["ConnectionStrings__RabbitMq"] = servers.BrokerOf(service).ToString();
        start.Environment["ConnectionStrings__Postgres"] = servers.DatabaseOf(service, database);
        start.Environment["Messaging__QueuePrefix"] = QueuePrefix;
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        start.Environment["Logging__Console__TimestampFormat"] = "HH:mm:ss.fff ";
        start.Environment["MASSTRANSIT_USAGE_TELEMETRY"] = "false";
        start.Environment["DOTNET_GCgen0size"] = Gen0Budget;
        foreach (var (key, value) in servers.BrokerSettings().Concat(_keys.Settings(service)))
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        foreach (var (key, value) in settings) start.Environment[key] = value;
        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {name}");
        var logFile = new StreamWriter(Path.Combine(_logDirectory, $"{name}.log"), append: again) { AutoFlush = true };
        _logs.Add(logFile);
        process.OutputDataReceived += (_, e) => Write(logFile, e.Data);
        process.ErrorDataReceived += (_, e) => Write(logFile, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var instance = new ServiceInstance(service, name, url, process.Id);
        lock (_children) _children.Add((instance, process));
        return instance;
    }

    /// <summary>
    /// Kills an instance outright (SIGKILL: no draining, transactions cut off, deliveries unacknowledged) and starts it
    /// again on the same port; returns once it is ready again.
    /// </summary>
    public async Task KillAndRestartAsync(ServiceInstance instance, CancellationToken cancellationToken)
    {
        (ServiceInstance Instance, Process Process) victim;
        lock (_children)
        {
            victim = _children.Single(c => c.Instance.Name == instance.Name);
            _children.Remove(victim);
        }
        victim.Process.Kill(entireProcessTree: true);
        await victim.Process.WaitForExitAsync(cancellationToken);
        victim.Process.Dispose();
        var restarted = Start(_launches[instance.Name]);
        ApBus = ApBus.Select(i => i.Name == instance.Name ? restarted : i).ToList();
        VfioAp = VfioAp.Select(i => i.Name == instance.Name ? restarted : i).ToList();
        GuestVm = GuestVm.Select(i => i.Name == instance.Name ? restarted : i).ToList();
        await WaitReadyAsync(_children.Single(c => c.Instance.Name == instance.Name), cancellationToken);
    }

    static void Write(StreamWriter log, string? line)
    {
        if (line is null) return;
        lock (log) log.WriteLine(line);
    }

    async Task WaitReadyAsync((ServiceInstance Instance, Process Process) child, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = child.Instance.Url, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < ReadyPatience)
        {
            if (child.Process.HasExited)
                throw new InvalidOperationException($"{child.Instance.Name} exited with {child.Process.ExitCode}: {LogTail(child.Instance)}");
            try
            {
                using var ready = await http.GetAsync("/health/ready", cancellationToken);
                if (ready.IsSuccessStatusCode) return;
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
            }
            await Task.Delay(250, cancellationToken);
        }
        throw new TimeoutException($"{child.Instance.Name} not ready after {ReadyPatience.TotalSeconds} s: {LogTail(child.Instance)}");
    }

    public void EnsureRunning()
    {
        List<(ServiceInstance, Process)> children;
        lock (_children) children = [.. _children];
        foreach (var (instance, process) in children)
            if (process.HasExited)
                throw new InvalidOperationException($"{instance.Name} exited with {process.ExitCode}: {LogTail(instance)}");
    }

    string LogTail(ServiceInstance instance)
    {
        var path = Path.Combine(_logDirectory, $"{instance.Name}.log");
        var tail = File.Exists(path) ? string.Join("\n", File.ReadLines(path).TakeLast(15)) : "";
        return $"see {path}\n{tail}";
    }

    /// <summary>SIGTERM for a graceful stop (the services drain their consumers), then a kill for any that hang.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var (_, process) in _children)
            if (!process.HasExited) _ = Kill(process.Id, SigTerm);
        using var patience = new CancellationTokenSource(StopPatience);
        foreach (var (_, process) in _children)
        {
            try
            {
                await process.WaitForExitAsync(patience.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync(CancellationToken.None);
            }
            process.Dispose();
        }
        _children.Clear();
        foreach (var logFile in _logs) await logFile.DisposeAsync();
        _logs.Clear();
    }

    const int SigTerm = 15;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    static extern int Kill(int pid, int signal);
}
