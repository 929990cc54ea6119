using Apmatrix.Contracts;
using MassTransit;
using Microsoft.Extensions.Configuration;
using RabbitMQ.Client;

namespace Apmatrix.Hosting;

/// <summary>
/// Which broker user may publish each contract (<c>Messaging:Publishers:&lt;Contract&gt;</c>, or
/// <c>Messaging:Publishers:BusEvents</c> for every bus event), and who published a message received.
/// </summary>
public static class Publishers
{
    public const string Section = "Messaging:Publishers";

    /// <summary>The header a message moved to <c>_error</c> or <c>_skipped</c> keeps its publisher in.</summary>
    public const string Header = "apmatrix-publisher";

    const string BusEvents = "BusEvents";

    static readonly Dictionary<string, string> Defaults = new()
    {
        [BusEvents] = "apbus",
        [nameof(ApplyApcbs)] = "vfioap",
        [nameof(ApcbsApplied)] = "guestvm",
    };

    /// <summary>The one user whose <typeparamref name="TMessage"/> a consumer obeys.</summary>
    public static string Expected<TMessage>(IConfiguration configuration)
    {
        var contract = typeof(TMessage).Name;
        var group = typeof(IBusEvent).IsAssignableFrom(typeof(TMessage)) ? BusEvents : contract;
        return configuration[$"{Section}:{contract}"] ?? configuration[$"{Section}:{group}"] ?? Defaults.GetValueOrDefault(group)
            ?? throw new InvalidOperationException($"{Section}:{contract} is not set: no user may publish {contract}");
    }

    /// <summary>The broker user a service connects as: the one in its connection string, else RabbitMQ's default.</summary>
    public static string User(Uri broker) =>
        broker.UserInfo.Split(':')[0] is { Length: > 0 } user ? Uri.UnescapeDataString(user) : ConnectionFactory.DefaultUser;

    /// <summary>
    /// Keeps in <paramref name="headers"/> who published a message this service moves or re-drives: a <c>user_id</c> RabbitMQ
    /// validated, but for this service's own (a re-drive, whose header this service wrote and which stays); without one,
    /// the header stays only if <paramref name="headerTrusted"/> (a queue no other user writes), as a sender could write it.
    /// </summary>
    public static void Record(IDictionary<string, object?> headers, IReadOnlyBasicProperties stamped, string self, bool headerTrusted)
    {
        if (stamped.IsUserIdPresent())
        {
            if (stamped.UserId != self) headers[Header] = stamped.UserId;
        }
        else if (!headerTrusted) headers.Remove(Header);
    }

    /// <summary>The <c>user_id</c> RabbitMQ validated on publish; null when the publisher set none.</summary>
    public static string? Of(ConsumeContext context) =>
        context.ReceiveContext.TryGetPayload<RabbitMqBasicConsumeContext>(out var delivery) && delivery.Properties.IsUserIdPresent()
            ? delivery.Properties.UserId
            : null;
}
