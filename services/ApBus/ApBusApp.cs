using Apmatrix.ApBus.Http;
using Apmatrix.ApBus.Messaging;
using Apmatrix.ApBus.Persistence;
using Apmatrix.Hosting;
using Microsoft.AspNetCore.Routing;

namespace Apmatrix.ApBus;

/// <summary>The AP bus simulator: hosts' configurations and queue devices, scans, and the bus events they publish.</summary>
public static class ApBusApp
{
    /// <summary>Wires the whole service; <paramref name="configure"/> runs before anything reads configuration.</summary>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = ServiceDefaults.CreateServiceBuilder(typeof(ApBusApp), args, configure);
        var services = builder.Services;
        services.AddRefusals(refusals => refusals
            .Add<ApBusException>(e => e.Kind == ApBusErrorKind.NotFound, StatusCodes.Status404NotFound, "not-found", "Not found")
            .Add<ApBusException>(e => e.Kind == ApBusErrorKind.OutOfRange, StatusCodes.Status400BadRequest, "out-of-range", "Out of range")
            .Add<ApBusException>(e => e.Kind == ApBusErrorKind.Exists, StatusCodes.Status409Conflict, "exists", "Exists already")
            .Add<ApBusException>(e => e.Kind == ApBusErrorKind.Busy, StatusCodes.Status409Conflict, "busy", "Busy")
            .Add<ApBusException>(e => e.Kind == ApBusErrorKind.Unavailable, StatusCodes.Status503ServiceUnavailable, "unavailable", "VfioAp unavailable")
            .WithFields<ApBusException>(e => e.Holder));
        services.AddApmatrixDatabase<ApBusDbContext>(builder.Configuration, "apbus");
        services.AddApmatrixBus(builder.Configuration, _ => { });
        services.AddOutboxDispatcher<ApBusDbContext>();
        services.AddApmatrixMetrics<ApBusDbContext>();
        services.AddApmatrixHealth<ApBusDbContext>(builder.Configuration);
        services.AddScoped<HostStore>();
        services.AddServiceClient<VfioApClient>("VfioAp", VfioApClient.DefaultBaseAddress);
        services.AddOptions<BusEventLeadOptions>().BindConfiguration(BusEventLeadOptions.Section)
            .Validate(o => o.Lead >= 0 && o.Refill >= 0 && o.Refill <= o.Lead && o.SharedLead >= 0 && o.Stall > TimeSpan.Zero && o.AskEvery > TimeSpan.Zero,
                "BusEvents:Lead and :SharedLead must not be negative, :Refill from 0 to :Lead, :Stall and :AskEvery positive").ValidateOnStart();
        services.AddSingleton<IOutboxPace, BusEventPace>();

        var app = builder.Build();
        app.MapDefaultEndpoints();
        app.MapApmatrixMetrics();
        app.MapHostApi();
        return app;
    }
}
