using Apmatrix.ApBus;
using Apmatrix.GuestVm;
using Apmatrix.LoadTest;
using Apmatrix.VfioAp;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;

namespace Apmatrix.Integration.Tests.LoadTest;

/// <summary>
/// The load run's stack inside the test process: several ApBus, VfioAp and GuestVm instances on
/// loopback ports, the instances of a service sharing one database and one set of queues (under a prefix), on the
/// single node or on the cluster of <see cref="Servers.Cluster"/> (its nodes, quorum queues).
/// </summary>
public sealed class InProcessStack : IStack, IAsyncDisposable
{
    readonly List<WebApplication> _apps = [];
    readonly Servers _servers;
    readonly StackKeys _keys = new();
    readonly string _run;
    readonly string _tag;

    readonly ILoggerProvider? _logs;

    InProcessStack(Servers servers, string run, string tag, ILoggerProvider? logs) =>
        (_servers, _run, _tag, _logs) = (servers, run, tag, logs);

    public IReadOnlyList<ServiceInstance> ApBus { get; private set; } = [];
    public IReadOnlyList<ServiceInstance> VfioAp { get; private set; } = [];
    public IReadOnlyList<ServiceInstance> GuestVm { get; private set; } = [];
    public string QueuePrefix => $"it-{_run}-";
    public string ApiKey => _keys.Operator;

    IEnumerable<string> Databases => new[] { "ApBus", "VfioAp", "GuestVm" }.Select(Database);

    string Database(string service) => $"{service.ToLowerInvariant()}_{_tag}_{_run}";

    /// <summary>
    /// <paramref name="tag"/> names the run's databases; <paramref name="vfioApSettings"/> go to every VfioAp, <paramref name="apBusSettings"/> to every ApBus; the
    /// services' warnings go to <paramref name="logs"/> too; <paramref name="apBus"/> ApBus instances share one database and outbox.
    /// </summary>
    public static async Task<InProcessStack> StartAsync(Servers servers, int vfioAp, int guestVm, string tag = "load",
        Dictionary<string, string>? vfioApSettings = null, ILoggerProvider? logs = null, int apBus = 1, Dictionary<string, string>? apBusSettings = null)
    {
        var stack = new InProcessStack(servers, Guid.NewGuid().ToString("N")[..8], tag, logs);
        try
        {
            stack.VfioAp = await stack.StartAsync("VfioAp", VfioApApp.Build, vfioAp, vfioApSettings ?? []);
            stack.GuestVm = await stack.StartAsync("GuestVm", GuestVmApp.Build, guestVm, []);
            stack.ApBus = await stack.StartAsync("ApBus", ApBusApp.Build, apBus,
                new(apBusSettings ?? []) { ["Services:VfioAp"] = stack.VfioAp[0].Url.ToString() });
            return stack;
        }
        catch
        {
            await stack.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// The service's database made as the admin, owned by the service's role, which the instances connect as; the first instance
    /// alone, so that one migrates it; settings as arguments, read before any registration.
    /// </summary>
    async Task<List<ServiceInstance>> StartAsync(string service, Func<string[], Action<WebApplicationBuilder>?, WebApplication> build, int count,
        Dictionary<string, string> settings)
    {
        settings["ConnectionStrings:RabbitMq"] = _servers.BrokerOf(service).ToString();
        await _servers.CreateDatabaseAsync(service, Database(service), CancellationToken.None);
        settings["ConnectionStrings:Postgres"] = _servers.DatabaseOf(service, Database(service));
        settings["Messaging:QueuePrefix"] = QueuePrefix;
        settings["Logging:LogLevel:Default"] = "Warning";
        foreach (var (key, value) in _keys.Settings(service)) settings[key] = value;
        foreach (var (key, value) in _servers.BrokerSettings()) settings[key] = value;
        string[] args = ["--urls", "http://127.0.0.1:0", .. settings.Select(s => $"--{s.Key}={s.Value}")];
        var instances = new List<ServiceInstance>();
        for (var i = 1; i <= count; i++)
        {
            var app = build(args, _logs is null ? null : builder => builder.Logging.AddProvider(_logs));
            _apps.Add(app);
            await app.StartAsync();
            instances.Add(new ServiceInstance(service, $"{service}-{i}", new Uri(app.Urls.First()), null));
        }
        return instances;
    }

    /// <summary>An instance in this process cannot die alone: a fault would end the test first.</summary>
    public void EnsureRunning()
    {
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var app in Enumerable.Reverse(_apps))
        {
            await app.ShutDownAsync();
        }
        foreach (var database in Databases) await _servers.DropDatabaseAsync(database, CancellationToken.None);
    }
}
