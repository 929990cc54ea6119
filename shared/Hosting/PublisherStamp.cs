using MassTransit;

namespace Apmatrix.Hosting;

/// <summary>
/// Stamps every publish and send with the connection's own user as the AMQP <c>user_id</c>, which RabbitMQ checks
/// against the authenticated user, so a consumer can tell who published a message. Publishes reach only publish
/// observers, sends only send observers: it is both.
/// </summary>
sealed class PublisherStamp(string user) : IPublishObserver, ISendObserver
{
    public Task PrePublish<T>(PublishContext<T> context) where T : class => Stamp(context);

    public Task PreSend<T>(SendContext<T> context) where T : class => Stamp(context);

    Task Stamp(PipeContext context)
    {
        if (context.TryGetPayload<RabbitMqSendContext>(out var rabbit)) rabbit.BasicProperties.UserId = user;
        return Task.CompletedTask;
    }

    public Task PostPublish<T>(PublishContext<T> context) where T : class => Task.CompletedTask;

    public Task PublishFault<T>(PublishContext<T> context, Exception exception) where T : class => Task.CompletedTask;

    public Task PostSend<T>(SendContext<T> context) where T : class => Task.CompletedTask;

    public Task SendFault<T>(SendContext<T> context, Exception exception) where T : class => Task.CompletedTask;
}
