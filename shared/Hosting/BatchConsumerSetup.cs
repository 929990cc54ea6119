using MassTransit;

namespace Apmatrix.Hosting;

/// <summary>
/// What <see cref="BatchConsumerDefinition{TConsumer, TMessage}"/> configures for one consumer, registered with it by
/// <see cref="BusSetup.AddBatchConsumer{TConsumer, TMessage}"/>.
/// </summary>
/// <param name="Check">Throws for a message that can never be consumed; null when every readable message can be.</param>
public sealed record BatchConsumerSetup<TConsumer, TMessage>(BatchLimits Limits, Action<ConsumeContext<TMessage>>? Check)
    where TConsumer : class, IConsumer<Batch<TMessage>>
    where TMessage : class;
