using Apmatrix.Dashboard.Http;
using Apmatrix.Hosting;

namespace Apmatrix.Dashboard;

/// <summary>
/// A page of the fleet, one host's matrix and its guests, read from the three services with the dashboard's own viewer key;
/// it keeps no state of its own (docs/ARCHITECTURE.md, Dashboard).
/// </summary>
public static class DashboardApp
{
    /// <summary>Wires the whole service; <paramref name="configure"/> runs before anything reads configuration.</summary>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = ServiceDefaults.CreateServiceBuilder(typeof(DashboardApp), args, configure);
        var services = builder.Services;
        services.AddRefusals(refusals => refusals
            .Add<ServiceNotFoundException>(StatusCodes.Status404NotFound, "not-found", "Not found")
            .Add<ServiceUnavailableException>(StatusCodes.Status503ServiceUnavailable, "unavailable", "Service unavailable"));
        services.AddServiceClient<ApBusReader>("ApBus", "http://127.0.0.1:5101");
        services.AddServiceClient<VfioApReader>("VfioAp", "http://127.0.0.1:5102");
        services.AddServiceClient<GuestVmReader>("GuestVm", "http://127.0.0.1:5103");

        var app = builder.Build();
        app.MapDefaultEndpoints();
        app.MapDashboardPage();
        app.MapDashboardApi();
        return app;
    }
}
