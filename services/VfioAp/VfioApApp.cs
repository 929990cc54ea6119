using Apmatrix.Contracts;
using Apmatrix.Hosting;
using Apmatrix.VfioAp.Http;
using Apmatrix.VfioAp.Messaging;
using Apmatrix.VfioAp.Persistence;
using MassTransit;

namespace Apmatrix.VfioAp;

public static class VfioApApp
{
    /// <summary>Wires the whole service; <paramref name="configure"/> runs before anything reads configuration.</summary>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = ServiceDefaults.CreateServiceBuilder(typeof(VfioApApp), args, configure);

        var services = builder.Services;
        var configuration = builder.Configuration;
        services.AddApmatrixDatabase<VfioApDbContext>(configuration, "vfioap");
        services.AddOptions<BusEventBatchSettings>().Bind(configuration.GetSection("BusEvents"));
        services.AddApmatrixBus(configuration, bus =>
        {
            bus.AddConsumer<ConfigChangedConsumer, BusEventBatchDefinition<ConfigChangedConsumer, ConfigChanged>>();
            bus.AddConsumer<QueueProbedConsumer, BusEventBatchDefinition<QueueProbedConsumer, QueueProbed>>();
            bus.AddConsumer<QueueRemovedConsumer, BusEventBatchDefinition<QueueRemovedConsumer, QueueRemoved>>();
            bus.AddConsumer<ScanCompleteConsumer, BusEventBatchDefinition<ScanCompleteConsumer, ScanComplete>>();
            bus.AddConsumer<BusMasksChangedConsumer, BusEventBatchDefinition<BusMasksChangedConsumer, BusMasksChanged>>();
            bus.AddConsumer<ApcbAppliedConsumer, ApcbAppliedDefinition>();
        });
        services.AddOutboxDispatcher<VfioApDbContext>();
        services.AddScoped<HostStore>();
        services.AddScoped<BusEventLog>();
        services.AddOptions<UpdateOptions>().Bind(configuration.GetSection("Updates"))
            .Validate(o => o.ResendAfter > TimeSpan.Zero, "Updates:ResendAfter must be positive").ValidateOnStart();
        services.AddHostedService<GuestUpdateResender>();

        var app = builder.Build();
        app.MapDefaultEndpoints();
        app.MapVfioApEndpoints();
        return app;
    }
}
