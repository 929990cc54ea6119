using Apmatrix.Dashboard;
using Apmatrix.Hosting;
using Apmatrix.LoadTest;
using Microsoft.AspNetCore.Builder;

namespace Apmatrix.Integration.Tests.Dashboard;

/// <summary>
/// The dashboard service in this process, reading the stack's three services with the stack's viewer key (all it needs), and
/// admitting a browser's key of its own (<see cref="BrowserKey"/>, role viewer) which none of the three services knows.
/// </summary>
public sealed class DashboardHost : IAsyncDisposable
{
    readonly WebApplication _app;

    public string BrowserKey { get; }
    public Uri Address { get; }

    DashboardHost(WebApplication app, Uri address, string browserKey) => (_app, Address, BrowserKey) = (app, address, browserKey);

    public static async Task<DashboardHost> StartAsync(StackFixture stack)
    {
        var browserKey = ApiKeys.NewKey();
        (string Key, string Value)[] settings =
        [
            .. StackKeys.Client("viewer", ApiRoles.Viewer, browserKey),
            ("Services:ApBus", stack.ApBus.ToString()), ("Services:ApBusKey", stack.ViewerKey),
            ("Services:VfioAp", stack.VfioAp.ToString()), ("Services:VfioApKey", stack.ViewerKey),
            ("Services:GuestVm", stack.GuestVm.ToString()), ("Services:GuestVmKey", stack.ViewerKey),
            ("Logging:LogLevel:Default", "Warning"),
        ];
        var app = DashboardApp.Build(["--urls", "http://127.0.0.1:0", .. settings.Select(s => $"--{s.Key}={s.Value}")]);
        await app.StartAsync();
        return new DashboardHost(app, new Uri(app.Urls.First()), browserKey);
    }

    public HttpClient Client(string? apiKey) => new()
    {
        BaseAddress = Address,
        Timeout = TimeSpan.FromSeconds(30),
        DefaultRequestHeaders = { Authorization = apiKey is null ? null : new(ApiKeys.Scheme, apiKey) },
    };

    public async ValueTask DisposeAsync()
    {
        await _app.ShutDownAsync();
    }
}
