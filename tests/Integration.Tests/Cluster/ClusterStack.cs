using Apmatrix.ApBus;
using Apmatrix.GuestVm;
using Apmatrix.LoadTest;
using Apmatrix.VfioAp;
using Microsoft.AspNetCore.Builder;

namespace Apmatrix.Integration.Tests.Cluster;

/// <summary>One ApBus, VfioAp and GuestVm in the test process, on the cluster of <see cref="Servers.Cluster"/> with quorum queues.</summary>
public sealed class ClusterStack : IStack, IAsyncDisposable
{
    readonly List<WebApplication> _apps = [];
    readonly Servers _servers;
    readonly StackKeys _keys = new();
    readonly string _run = Guid.NewGuid().ToString("N")[..8];

    ClusterStack(Servers servers) => _servers = servers;

    public ServiceInstance ApBus { get; private set; } = null!;
    public IReadOnlyList<ServiceInstance> VfioAp { get; private set; } = [];
    public IReadOnlyList<ServiceInstance> GuestVm { get; private set; } = [];
    public string QueuePrefix => $"it-{_run}-";
    public string ApiKey => _keys.Operator;

    public static async Task<ClusterStack> StartAsync(Servers servers)
    {
        var stack = new ClusterStack(servers);
        try
        {
            stack.VfioAp = [await stack.StartAsync("VfioAp", VfioApApp.Build, new() { ["Updates:ResendAfter"] = "00:00:05" })];
            stack.GuestVm = [await stack.StartAsync("GuestVm", GuestVmApp.Build, [])];
            stack.ApBus = await stack.StartAsync("ApBus", ApBusApp.Build, new() { ["Services:VfioAp"] = stack.VfioAp[0].Url.ToString() });
            return stack;
        }
        catch
        {
            await stack.DisposeAsync();
            throw;
        }
    }

    async Task<ServiceInstance> StartAsync(string service, Func<string[], Action<WebApplicationBuilder>?, WebApplication> build,
        Dictionary<string, string> settings)
    {
        settings["ConnectionStrings:RabbitMq"] = _servers.BrokerOf(service).ToString();
        settings["ConnectionStrings:Postgres"] = _servers.Database(Database(service));
        settings["Messaging:QueuePrefix"] = QueuePrefix;
        settings["Logging:LogLevel:Default"] = "Warning";
        foreach (var (key, value) in _keys.Settings(service)) settings[key] = value;
        foreach (var (key, value) in _servers.BrokerSettings()) settings[key] = value;
        var app = build(["--urls", "http://127.0.0.1:0", .. settings.Select(s => $"--{s.Key}={s.Value}")], null);
        _apps.Add(app);
        await app.StartAsync();
        return new ServiceInstance(service, $"{service}-1", new Uri(app.Urls.First()), null);
    }

    string Database(string service) => $"{service.ToLowerInvariant()}_cluster_{_run}";

    public void EnsureRunning()
    {
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var app in Enumerable.Reverse(_apps))
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
        foreach (var service in new[] { "ApBus", "VfioAp", "GuestVm" }) await _servers.DropDatabaseAsync(Database(service), CancellationToken.None);
    }
}
