using System.Net;
using System.Net.Sockets;
using Apmatrix.ApBus;
using Apmatrix.GuestVm;
using Apmatrix.Hosting;
using Apmatrix.LoadTest;
using Apmatrix.VfioAp;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Apmatrix.Integration.Tests;

/// <summary>
/// The three services started in this process on loopback ports, each with a database of its own
/// and queues under a prefix of this run, talking through the real RabbitMQ and PostgreSQL; API keys are made
/// for the run: <see cref="Client(Uri)"/> calls as the operator.
/// </summary>
public sealed class StackFixture : IAsyncLifetime
{
    readonly string _run = Guid.NewGuid().ToString("N")[..8];
    readonly List<WebApplication> _apps = [];
    readonly List<string> _databases = [];

    public ServerFixture Servers { get; } = new();
    public StackKeys Keys { get; } = new();
    public string ViewerKey { get; } = ApiKeys.NewKey();
    public string QueuePrefix => $"it-{_run}-";
    public Uri ApBus { get; private set; } = null!;
    public Uri VfioAp { get; private set; } = null!;
    public Uri GuestVm { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await Servers.StartAsync();
        // Each of ApBus and VfioAp calls the other: ApBus's address is chosen before either starts.
        var apBus = $"http://127.0.0.1:{FreePort()}";
        // No periodic ask of every guest: its messages would come and go under the tests that compare whole databases.
        VfioAp = await StartAsync(VfioApApp.Build, "vfioap", new() { ["Updates:ResendAfter"] = "00:00:05", ["Updates:VerifyEvery"] = "00:00:00", ["Services:ApBus"] = apBus });
        GuestVm = await StartAsync(GuestVmApp.Build, "guestvm", new() { ["Guests:SuspendMicrosecondsPerVcpu"] = "5", ["Guests:GapTimeout"] = "00:00:10" });
        ApBus = await StartAsync(ApBusApp.Build, "apbus", new() { ["Services:VfioAp"] = VfioAp.ToString(), ["urls"] = apBus });
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    async Task<Uri> StartAsync(Func<string[], Action<WebApplicationBuilder>?, WebApplication> build, string service,
        Dictionary<string, string> settings)
    {
        var app = await StartAppAsync(build, service, $"{service}_it_{_run}", QueuePrefix, settings, null);
        _apps.Add(app);
        return new Uri(app.Urls.First());
    }

    /// <summary>
    /// One more instance of a service, with a database and queues of its own (<paramref name="name"/>), for a test that
    /// changes its wiring; the test stops it, the fixture drops its database and queues.
    /// </summary>
    public Task<WebApplication> StartOwnAsync(Func<string[], Action<WebApplicationBuilder>?, WebApplication> build, string service,
        string name, Action<WebApplicationBuilder> configure) =>
        StartAppAsync(build, service, $"{service}_{name}_it_{_run}", $"{QueuePrefix}{name}-", new() { ["Updates:ResendAfter"] = "00:00:05" }, configure);

    /// <summary>Settings go in as command-line arguments so they are there before any registration reads them.</summary>
    async Task<WebApplication> StartAppAsync(Func<string[], Action<WebApplicationBuilder>?, WebApplication> build, string service,
        string database, string queuePrefix, Dictionary<string, string> settings, Action<WebApplicationBuilder>? configure)
    {
        _databases.Add(database);
        foreach (var (key, value) in Keys.Settings(service).Concat(StackKeys.Client("viewer", ApiRoles.Viewer, ViewerKey))) settings[key] = value;
        settings["ConnectionStrings:RabbitMq"] = Servers.Broker(service).ToString();
        await Servers.CreateDatabaseAsync(service, database);
        settings["ConnectionStrings:Postgres"] = Servers.DatabaseOf(service, database);
        settings["Messaging:QueuePrefix"] = queuePrefix;
        settings["Logging:LogLevel:Default"] = "Warning";
        string[] args = ["--urls", "http://127.0.0.1:0", .. settings.Select(s => $"--{s.Key}={s.Value}")];
        var app = build(args, configure);
        try
        {
            // A service waits for its bus to start; a broker that refuses it (user, vhost) would hold up the suite.
            await app.StartAsync().WaitAsync(TimeSpan.FromMinutes(2));
        }
        catch (Exception e)
        {
            // A start refused (a test may expect it) or stuck leaves no web server behind.
            await app.DisposeAsync();
            if (e is not TimeoutException) throw;
            throw new InvalidOperationException($"{service} did not start in 2 minutes: can its broker user {Servers.Broker(service).UserInfo.Split(':')[0]} reach the vhost, " +
                $"its role {new NpgsqlConnectionStringBuilder(Servers.DatabaseRole(service)).Username} its database {database}?");
        }
        return app;
    }

    /// <summary>The database of an instance <see cref="StartOwnAsync"/> started, as its owner (below).</summary>
    public string OwnDatabase(string service, string name) => Servers.DatabaseOf(service, $"{service}_{name}_it_{_run}");

    /// <summary>
    /// A service's database in this run (<c>apbus</c>, <c>vfioap</c>, <c>guestvm</c>), as the service's own role: the role
    /// owns what the names there resolve to, so a read as the admin would run whatever the role put behind them as the admin.
    /// </summary>
    public string Database(string service) => Servers.DatabaseOf(service, $"{service}_it_{_run}");

    public HttpClient Client(Uri service) => Client(service, Keys.Operator);

    /// <summary>The endpoints a service maps, as its router holds them.</summary>
    public IEnumerable<RouteEndpoint> Routes(Uri service) =>
        _apps.Single(app => new Uri(app.Urls.First()) == service).Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>();

    /// <summary>A client that calls with <paramref name="apiKey"/>, or with no key at all; every answer is checked against its document.</summary>
    public HttpClient Client(Uri service, string? apiKey) => new(new DocumentedResponses())
    {
        BaseAddress = service,
        Timeout = TimeSpan.FromSeconds(30),
        DefaultRequestHeaders = { Authorization = apiKey is null ? null : new(ApiKeys.Scheme, apiKey) },
    };

    public async Task DisposeAsync()
    {
        foreach (var app in Enumerable.Reverse(_apps))
        {
            await app.ShutDownAsync();
        }
        foreach (var database in _databases) await Servers.DropDatabaseAsync(database);
        await Servers.DeleteBrokerObjectsAsync(QueuePrefix);
        await Servers.DisposeAsync();
    }
}

[CollectionDefinition("stack")]
public sealed class StackCollection : ICollectionFixture<StackFixture>;
