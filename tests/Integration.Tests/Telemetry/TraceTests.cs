using System.Collections.Concurrent;
using System.Diagnostics;
using Apmatrix.Contracts;
using Apmatrix.GuestVm.Messaging;
using Apmatrix.Hosting;
using Apmatrix.Scenarios;
using Apmatrix.Scenarios.Stack;
using Apmatrix.VfioAp.Messaging;
using MassTransit.Logging;

namespace Apmatrix.Integration.Tests.Telemetry;

/// <summary>
/// One config change is one trace through ApBus, both outboxes, VfioAp and GuestVm. The services run in this process
/// with no exporter, so the listener here is what records their spans (and decides every one is sampled).
/// </summary>
[Collection("stack")]
public class One_config_change(StackFixture stack)
{
    const string Scenario = """
        {
          "mode": "batched",
          "host": { "apm": "0-1", "aqm": "0", "adm": "0", "maxAdapter": 255, "maxDomain": 255 },
          "mdevs": [ { "name": "m1", "adapters": "0-3", "domains": "0", "controlDomains": "0", "guest": "g1" } ],
          "steps": [ { "op": "config", "apm": "0-2", "aqm": "0", "adm": "0" } ],
          "expect": { "guests": { "g1": { "apm": "0-2", "aqm": "0", "adm": "0", "updates": 1 } } }
        }
        """;

    static readonly ActivitySource Test = new("Apmatrix.Tests.Telemetry");

    [Fact]
    public async Task Should_be_one_trace_from_the_request_through_both_outboxes_to_the_guest_and_back()
    {
        var spans = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is "Microsoft.AspNetCore" or DiagnosticHeaders.DefaultListenerName
                                       || source.Name.StartsWith(Hosting.Telemetry.SourcePrefix, StringComparison.Ordinal),
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        var scenario = ScenarioReader.Read("trace.json", Scenario);
        var host = StackTarget.HostIdFor(scenario);
        await using var target = new StackTarget(new StackEndpoints(stack.ApBus, stack.VfioAp, stack.GuestVm, stack.Keys.Operator), host);
        await target.SetUpAsync(scenario, CancellationToken.None);

        ActivityTraceId trace;
        using (var change = Test.StartActivity("config change"))
        {
            trace = change!.TraceId;
            await target.ApplyAsync(scenario.Steps.Single(), CancellationToken.None);
        }
        var outcome = await target.ReadOutcomeAsync(CancellationToken.None);
        Assert.Equal(1, outcome.Guests["g1"].Updates);

        // The last hop: VfioAp consuming GuestVm's acknowledgement, published from GuestVm's outbox.
        var inTrace = await Eventually.ReadAsync(() => Task.FromResult(spans.Where(s => s.TraceId == trace).ToList()),
            found => found.Any(s => Consumed(s, typeof(ApcbsAppliedConsumer)))
                     && found.Where(s => Published(s, nameof(IBusEvent))).All(p => found.Any(s => s.SpanId == p.ParentSpanId)),
            "VfioAp's consume of the ApcbsApplied in the change's trace", describe: Describe);

        // ApBus's outbox: each event's publish (ConfigChanged, adapter 2's QueuesProbed, ScanComplete) is a child of the
        // PUT that wrote it, not of the dispatcher's batch.
        var published = inTrace.Where(s => Published(s, nameof(IBusEvent))).ToList();
        Assert.Equal(3, published.Count);
        var request = Assert.Single(inTrace, s => s.SpanId == published[0].ParentSpanId);
        Assert.Equal(("Microsoft.AspNetCore", ActivityKind.Server), (request.Source.Name, request.Kind));
        Assert.All(published, p => Assert.Equal(request.SpanId, p.ParentSpanId));
        Assert.Contains(inTrace, s => s.Kind == ActivityKind.Consumer && s.GetTagItem(DiagnosticHeaders.Messaging.Operation) as string == "receive"
                                      && (s.GetTagItem(DiagnosticHeaders.Messaging.DestinationName) as string ?? "").StartsWith($"{stack.QueuePrefix}{BusEventLanes.Name}-", StringComparison.Ordinal));
        Assert.Contains(inTrace, s => Consumed(s, typeof(BusEventConsumer)));
        // VfioAp's outbox, then GuestVm's.
        Assert.Contains(inTrace, s => Published(s, nameof(ApplyApcbs)));
        Assert.Contains(inTrace, s => Consumed(s, typeof(ApplyApcbsConsumer)));
        Assert.Contains(inTrace, s => s.Source.Name == Hosting.Telemetry.SourcePrefix + "GuestVm" && s.GetTagItem("apmatrix.host") as string == host);
        Assert.Contains(inTrace, s => Published(s, nameof(ApcbsApplied)));
    }

    /// <summary>MassTransit's span for a publish of <paramref name="contract"/> (a producer span naming the message's types).</summary>
    static bool Published(Activity span, string contract) =>
        span.Kind == ActivityKind.Producer && (span.GetTagItem(DiagnosticHeaders.MessageTypes) as string ?? "").Contains($":{contract}", StringComparison.Ordinal);

    /// <summary>MassTransit's span for <paramref name="consumer"/>'s consume of a batch.</summary>
    static bool Consumed(Activity span, Type consumer) =>
        span.Kind == ActivityKind.Consumer && span.GetTagItem(DiagnosticHeaders.ConsumerType) as string == consumer.FullName;

    static string Describe(IEnumerable<Activity> spans) => string.Join("\n", spans.Select(s =>
        $"{s.SpanId}<-{s.ParentSpanId} {s.Source.Name} {s.Kind} {s.DisplayName} {s.GetTagItem(DiagnosticHeaders.ConsumerType)}"));
}
