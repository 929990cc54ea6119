using Apmatrix.Contracts;
using Apmatrix.GuestVm.Guests;
using Apmatrix.GuestVm.Http;
using Apmatrix.GuestVm.Maintenance;
using Apmatrix.GuestVm.Messaging;
using Apmatrix.GuestVm.Persistence;
using Apmatrix.Hosting;
using MassTransit;
using Microsoft.AspNetCore.Routing;

namespace Apmatrix.GuestVm;

/// <summary>Simulated guests: they apply the APCBs VfioAp sends them, per guest in version order, once each.</summary>
public static class GuestVmApp
{
    /// <summary>Wires the whole service; <paramref name="configure"/> runs before anything reads configuration.</summary>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = ServiceDefaults.CreateServiceBuilder(typeof(GuestVmApp), args, configure);
        var services = builder.Services;
        services.AddRefusals(refusals => refusals
            .Add<GuestNotFoundException>(StatusCodes.Status404NotFound, "not-found", "Not found")
            .Add<GuestConflictException>(StatusCodes.Status409Conflict, "conflict", "Conflict"));
        services.AddOptions<GuestOptions>()
            .BindConfiguration(GuestOptions.Section)
            .Validate(o => o.DefaultVcpus is >= 1 and <= GuestOptions.MaxVcpus, $"Guests:DefaultVcpus must be 1..{GuestOptions.MaxVcpus}")
            .Validate(o => o.SuspendMicrosecondsPerVcpu >= 0, "Guests:SuspendMicrosecondsPerVcpu must not be negative")
            .Validate(o => o.GapTimeout > TimeSpan.Zero, "Guests:GapTimeout must be positive")
            .ValidateOnStart();
        services.AddApmatrixDatabase<GuestVmDbContext>(builder.Configuration, "guestvm");
        // A host's change is one message (a scan's 256 guests); a batch joins the hosts whose changes arrive together.
        var applyApcbBatches = new BatchLimits(64, TimeSpan.FromMilliseconds(10), ConcurrencyLimit: 2, BatchTimeLimitStart.FromLast);
        services.AddApmatrixBus(builder.Configuration,
            bus => bus.AddBatchConsumer<ApplyApcbsConsumer, ApplyApcbs>(_ => applyApcbBatches, context => ApplyApcbsCheck.Check(context.Message)));
        services.AddDeadLetters();
        services.AddOutboxDispatcher<GuestVmDbContext>();
        services.AddApmatrixMetrics<GuestVmDbContext, GuestVmMetrics>();
        services.AddPruner<GuestVmPruner>(builder.Configuration);
        services.AddApmatrixHealth<GuestVmDbContext>(builder.Configuration);
        services.AddScoped<GuestStore>();

        var app = builder.Build();
        app.MapDefaultEndpoints();
        app.MapApmatrixMetrics();
        app.MapGuestApi();
        app.MapDeadLetters();
        return app;
    }
}
