using Apmatrix.Integration.Tests.VfioAp;

namespace Apmatrix.Integration.Tests.DeadLetters;

/// <summary>
/// A host stalled behind a dead-lettered event: events 1 and 2 applied, event 3 in its lane's <c>_error</c> as MassTransit
/// moves a faulted message, event 4 parked behind the gap.
/// </summary>
public sealed class StalledHost(DeadLetterApi api, VfioApi vfio, BusEventSender bus, ErrorQueueWriter errors, string host, string lane) : IAsyncDisposable
{
    public DeadLetterApi Api => api;
    public VfioApi Vfio => vfio;
    public string Host => host;
    public string Lane => lane;

    public static async Task<StalledHost> StallAsync(StackFixture stack)
    {
        var host = VfioApi.NewHost();
        var (api, vfio) = (new DeadLetterApi(stack.Client(stack.VfioAp)), new VfioApi(stack.Client(stack.VfioAp), host));
        var bus = await BusEventSender.OpenAsync(stack.Servers);
        var errors = await ErrorQueueWriter.OpenAsync(stack.Servers);
        var scan = BusEventSender.Scan(host, 1, "1", "1-2", "");
        await bus.PublishAsync(scan[0], scan[1]);
        await vfio.UntilAppliedAsync(2);
        var lane = await api.LaneErrorOfAsync(bus, stack.QueuePrefix, host);
        await bus.DrainAsync(lane);
        await errors.FaultAsync(lane, scan[2], "apbus");
        await bus.PublishAsync(scan[3]);
        return new StalledHost(api, vfio, bus, errors, host, lane);
    }

    public async ValueTask DisposeAsync()
    {
        await errors.DisposeAsync();
        await bus.DisposeAsync();
        vfio.Dispose();
        api.Dispose();
    }
}
