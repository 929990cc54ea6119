using Apmatrix.Contracts;
using Apmatrix.Engine;
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
        services.AddRefusals(refusals => refusals
            .Add<MatrixException>(e => e.Kind == MatrixErrorKind.Invalid, StatusCodes.Status400BadRequest, "invalid", "Invalid input")
            .Add<MatrixException>(e => e.Kind == MatrixErrorKind.OutOfRange, StatusCodes.Status400BadRequest, "out-of-range", "Out of range")
            .Add<MatrixException>(e => e.Kind == MatrixErrorKind.NotFound, StatusCodes.Status404NotFound, "not-found", "Not found")
            .Add<MatrixException>(e => e.Kind == MatrixErrorKind.InUse, StatusCodes.Status409Conflict, "in-use", "In use")
            .Add<MatrixException>(e => e.Kind == MatrixErrorKind.Reserved, StatusCodes.Status409Conflict, "reserved", "Reserved for the host's default drivers")
            .Add<MatrixException>(e => e.Kind == MatrixErrorKind.Busy, StatusCodes.Status409Conflict, "busy", "Busy")
            .Add<MatrixException>(e => e.Kind == MatrixErrorKind.NotPermitted, StatusCodes.Status409Conflict, "not-permitted", "Not permitted"));
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
