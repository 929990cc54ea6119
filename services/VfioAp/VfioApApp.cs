using Apmatrix.Contracts;
using Apmatrix.Engine;
using Apmatrix.Hosting;
using Apmatrix.VfioAp.Health;
using Apmatrix.VfioAp.Http;
using Apmatrix.VfioAp.Maintenance;
using Apmatrix.VfioAp.Messaging;
using Apmatrix.VfioAp.Persistence;
using Apmatrix.VfioAp.Reconciliation;
using Microsoft.Extensions.Options;

namespace Apmatrix.VfioAp;

public static class VfioApApp
{
    /// <summary>The engine's refusals by kind, and what VfioAp's own checks refuse; an engine kind missing here would be a 500.</summary>
    public static void AddRefusals(Refusals refusals)
    {
        void Engine(MatrixErrorKind kind, int status, string title) => refusals.Add<MatrixException>(e => e.Kind == kind, status, MatrixException.Name(kind), title);
        Engine(MatrixErrorKind.Invalid, StatusCodes.Status400BadRequest, "Invalid input");
        Engine(MatrixErrorKind.OutOfRange, StatusCodes.Status400BadRequest, "Out of range");
        Engine(MatrixErrorKind.NotFound, StatusCodes.Status404NotFound, "Not found");
        Engine(MatrixErrorKind.InUse, StatusCodes.Status409Conflict, "In use");
        Engine(MatrixErrorKind.Reserved, StatusCodes.Status409Conflict, "Reserved for the host's default drivers");
        Engine(MatrixErrorKind.Busy, StatusCodes.Status409Conflict, "Busy");
        Engine(MatrixErrorKind.NotPermitted, StatusCodes.Status409Conflict, "Not permitted");
        Engine(MatrixErrorKind.Exists, StatusCodes.Status409Conflict, "Exists already");
        refusals
            .Add<ApBusUnavailableException>(StatusCodes.Status503ServiceUnavailable, "unavailable", "ApBus unavailable")
            .Add<MatrixChangedException>(StatusCodes.Status409Conflict, "changed", "Changed since read")
            .WithFields<MatrixException>(e => [new("apqn", e.Apqn), new("mdev", e.Mdev), new("reservedBy", e.ReservedBy),
                new("errors", e.Errors)]);
    }

    /// <summary>Wires the whole service; <paramref name="configure"/> runs before anything reads configuration.</summary>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = ServiceDefaults.CreateServiceBuilder(typeof(VfioApApp), args, configure);

        var services = builder.Services;
        var configuration = builder.Configuration;
        services.AddRefusals(AddRefusals);
        services.AddApmatrixDatabase<VfioApDbContext>(configuration, "vfioap");
        services.AddOptions<BusEventBatchSettings>().Bind(configuration.GetSection(BusEventBatchSettings.Section))
            .Validate(o => o.Lanes is > 0 and <= HostLanes.MaxCount, $"BusEvents:Lanes must be from 1 to {HostLanes.MaxCount}")
            .Validate(o => o.MessageLimit > 0 && o.ConcurrencyLimit > 0 && o.TimeLimit > TimeSpan.Zero,
                "BusEvents:MessageLimit, :ConcurrencyLimit and :TimeLimit must be positive").ValidateOnStart();
        services.AddApmatrixBus(configuration, bus =>
        {
            bus.AddLaneBatchConsumer<BusEventConsumer, IBusEvent>(BusEvents(s => s.HostLanes), BusEvents(s => s.Lane), BusEventConsumer.Check);
            bus.AddBatchConsumer<ApcbsAppliedConsumer, ApcbsApplied>(BusEvents(s => s.Acknowledgements), context => ApcbsAppliedCheck.Check(context.Message));
        });
        services.AddLaneSharing<VfioApDbContext>(BusEvents(s => s.HostLanes));
        services.AddDeadLetters();
        services.AddOutboxDispatcher<VfioApDbContext>();
        services.AddApmatrixMetrics<VfioApDbContext, VfioApMetrics>();
        services.AddSingleton<StalledHostCheck>();
        services.AddPruner<VfioApPruner>(builder.Configuration);
        services.AddApmatrixHealth<VfioApDbContext>(builder.Configuration)
            .AddCheck<StalledHostCheck>("stalled-hosts", tags: ["ready"]);
        services.AddOptions<HostCacheOptions>().Bind(configuration.GetSection(HostCacheOptions.Section))
            .Validate(o => o.Rows >= 0, "HostCache:Rows must not be negative")
            .Validate(o => o.Engines >= 0, "HostCache:Engines must not be negative").ValidateOnStart();
        services.AddSingleton<HostStateCache>();
        services.AddScoped<HostStore>();
        services.AddScoped<BusEventApplier>();
        services.AddOptions<UpdateOptions>().Bind(configuration.GetSection(UpdateOptions.Section))
            .Validate(o => o.ResendAfter > TimeSpan.Zero, "Updates:ResendAfter must be positive")
            .Validate(o => o.VerifyEvery >= TimeSpan.Zero, "Updates:VerifyEvery must not be negative").ValidateOnStart();
        services.AddHostedService<GuestUpdateResender>();
        services.AddOptions<ReconcileOptions>().Bind(configuration.GetSection(ReconcileOptions.Section))
            .Validate(o => o.GapTimeout > TimeSpan.Zero && o.CheckInterval > TimeSpan.Zero,
                "Reconciliation:GapTimeout and Reconciliation:CheckInterval must be positive").ValidateOnStart();
        services.AddServiceClient<ApBusClient>("ApBus", ApBusClient.DefaultBaseAddress);
        services.AddScoped<HostReconciler>();
        services.AddSingleton<RepeatedHosts>();
        services.AddHostedService<StalledHostReconciler>();
        services.AddOptions<MaskOptions>().Bind(configuration.GetSection(MaskOptions.Section))
            .Validate(o => o.PendingLease > TimeSpan.Zero, "Masks:PendingLease must be positive").ValidateOnStart();
        services.AddHostedService<MaskReservationExpiry>();

        var app = builder.Build();
        app.MapDefaultEndpoints();
        app.MapApmatrixMetrics();
        app.MapVfioApEndpoints();
        app.MapDeadLetters();
        return app;
    }

    static Func<IServiceProvider, T> BusEvents<T>(Func<BusEventBatchSettings, T> pick) =>
        provider => pick(provider.GetRequiredService<IOptions<BusEventBatchSettings>>().Value);
}
