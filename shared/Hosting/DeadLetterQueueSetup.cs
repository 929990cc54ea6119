using MassTransit;
using Microsoft.Extensions.Logging;

namespace Apmatrix.Hosting;

/// <summary>
/// Makes the service's dead-letter queues once its bus has started (<see cref="DeadLetterBroker.MakeQueuesAsync"/>), so the
/// dead-letter API only ever reads. In the background: the start waits for nothing; a broker gone meanwhile leaves the
/// queues to MassTransit's first move, as before.
/// </summary>
public sealed class DeadLetterQueueSetup(DeadLetterBroker broker, ILogger<DeadLetterQueueSetup> log) : IBusObserver
{
    public Task PostStart(IBus bus, Task<BusReady> busReady)
    {
        _ = Task.Run(async () =>
        {
            try
            {
                await busReady;
                await broker.MakeQueuesAsync(CancellationToken.None);
            }
            catch (Exception e)
            {
                log.LogWarning("The dead-letter queues were not made at start ({Reason}); MassTransit makes each on its first move", e.Message);
            }
        });
        return Task.CompletedTask;
    }

    public void PostCreate(IBus bus) { }
    public void CreateFaulted(Exception exception) { }
    public Task PreStart(IBus bus) => Task.CompletedTask;
    public Task StartFaulted(IBus bus, Exception exception) => Task.CompletedTask;
    public Task PreStop(IBus bus) => Task.CompletedTask;
    public Task PostStop(IBus bus) => Task.CompletedTask;
    public Task StopFaulted(IBus bus, Exception exception) => Task.CompletedTask;
}
