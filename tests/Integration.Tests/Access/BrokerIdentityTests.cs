using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Apmatrix.Contracts;
using Apmatrix.Hosting;
using Apmatrix.Integration.Tests.ApBus;
using Apmatrix.Integration.Tests.GuestVm;
using Apmatrix.Integration.Tests.VfioAp;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Apmatrix.Integration.Tests.Access;

/// <summary>
/// Each service's own broker user (scripts/servers.sh): the broker refuses a publish outside a user's permissions
/// (403) or under another user's <c>user_id</c> (406), and a consumer obeys a message only from its one publisher.
/// </summary>
[Collection("stack")]
public class Broker_identities(StackFixture stack)
{
    const ushort AccessRefused = 403;
    const ushort PreconditionFailed = 406;

    [Theory]
    [InlineData("apbus", nameof(ApplyApcbs))]
    [InlineData("apbus", nameof(ApcbsApplied))]
    [InlineData("guestvm", nameof(ConfigChanged))]
    [InlineData("guestvm", nameof(ApplyApcbs))]
    [InlineData("vfioap", nameof(QueueProbed))]
    [InlineData("vfioap", nameof(QueuesProbed))]
    [InlineData("vfioap", nameof(QueuesRemoved))]
    [InlineData("vfioap", nameof(ApcbsApplied))]
    [InlineData("auditor", nameof(ConfigChanged))]
    [InlineData("auditor", nameof(ApplyApcbs))]
    [InlineData("auditor", nameof(ApcbsApplied))]
    public async Task Should_refuse_a_publish_to_a_contract_the_user_does_not_own(string user, string contract)
    {
        var broker = stack.Servers.Broker(user);
        Assert.Equal(AccessRefused, await RefusalAsync(broker, ExchangeTap.Exchange(contract), "", Publishers.User(broker)));
    }

    [Theory]
    [InlineData("apbus", nameof(QueuesProbed))]
    [InlineData("apbus", nameof(QueuesRemoved))]
    public async Task Should_take_a_publish_to_a_contract_the_user_owns(string user, string contract)
    {
        var broker = stack.Servers.Broker(user);
        await using (var connection = await new ConnectionFactory { Uri = broker }.CreateConnectionAsync())
        await using (var channel = await connection.CreateChannelAsync())
            // As MassTransit declares it: in a new vhost no publish or subscriber may have made it yet.
            await channel.ExchangeDeclareAsync(ExchangeTap.Exchange(contract), ExchangeType.Fanout, durable: true);
        Assert.Null(await RefusalAsync(broker, ExchangeTap.Exchange(contract), "", Publishers.User(broker)));
    }

    [Theory]
    [InlineData("apbus", "bus-events-0")]
    [InlineData("vfioap", "apply-apcbs")]
    [InlineData("auditor", "apply-apcbs")]
    public async Task Should_refuse_a_publish_straight_to_a_queue(string user, string queue)
    {
        var broker = stack.Servers.Broker(user);
        Assert.Equal(AccessRefused, await RefusalAsync(broker, "", $"{stack.QueuePrefix}{queue}", Publishers.User(broker)));
    }

    [Fact]
    public async Task Should_refuse_a_user_id_other_than_the_connections_own()
    {
        Assert.Equal(PreconditionFailed, await RefusalAsync(stack.Servers.Broker("apbus"), ExchangeTap.Exchange(nameof(ConfigChanged)), "", "vfioap"));
    }

    [Fact]
    public async Task Should_let_the_auditor_bind_and_read_but_never_declare_another_services_queue()
    {
        await using var connection = await new ConnectionFactory { Uri = stack.Servers.Broker("auditor") }.CreateConnectionAsync();
        await using (var channel = await connection.CreateChannelAsync())
        {
            var queue = $"{stack.QueuePrefix}audit-{Guid.NewGuid():N}";
            await channel.QueueDeclareAsync(queue, durable: false, exclusive: true, autoDelete: true);
            await channel.QueueBindAsync(queue, ExchangeTap.Exchange(nameof(ApplyApcbs)), "");
            Assert.Null(await channel.BasicGetAsync(queue, autoAck: true));
        }
        await using var refused = await connection.CreateChannelAsync();
        var error = await Assert.ThrowsAnyAsync<OperationInterruptedException>(() =>
            refused.QueueDeclareAsync($"{stack.QueuePrefix}apply-apcbs", durable: true, exclusive: false, autoDelete: false));
        Assert.Equal(AccessRefused, error.ShutdownReason?.ReplyCode);
    }

    [Fact]
    public async Task Should_stamp_what_a_service_publishes_with_its_own_user()
    {
        var host = Guests.NewHost();
        await using var admin = await new ConnectionFactory { Uri = stack.Servers.RabbitMq }.CreateConnectionAsync();
        await using var channel = await admin.CreateChannelAsync();
        var queue = (await channel.QueueDeclareAsync("", durable: false, exclusive: true, autoDelete: true)).QueueName;
        await channel.QueueBindAsync(queue, ExchangeTap.Exchange(nameof(ApcbsApplied)), "");
        await using var vfioAp = await Guests.VfioApAsync(stack.Servers);

        await vfioAp.PublishAsync(Guests.Apcb(host, "g1", 1, "4"));

        var ack = await Eventually.ReadAsync(async () =>
        {
            while (await channel.BasicGetAsync(queue, autoAck: true) is { } message)
                if (Encoding.UTF8.GetString(message.Body.Span).Contains(host)) return message;
            return null;
        }, message => message is not null, $"GuestVm's ApcbsApplied about {host}");
        Assert.Equal("guestvm", ack!.BasicProperties.UserId);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Should_put_an_apply_apcb_from_anyone_but_vfioap_in_the_error_queue_and_leave_the_guest(bool stamped)
    {
        var host = Guests.NewHost();
        var path = $"/hosts/{host}/guests/g1";
        using var http = stack.Client(stack.GuestVm);
        await using var vfioAp = await Guests.VfioApAsync(stack.Servers);
        await vfioAp.PublishAsync(Guests.Apcb(host, "g1", 1, "4"));
        await Guests.UntilVersionAsync(http, path, 1);
        // The admin may write every exchange: it stands for any credential that is not VfioAp's.
        await using var forger = await RawBroker.OpenAsync(stack.Servers, Publishers.User(stack.Servers.RabbitMq));

        await forger.PublishRawAsync(ExchangeTap.Exchange(nameof(ApplyApcbs)), "",
            Guests.Envelope(Guests.Apcb(host, "g1", 2, "0-255", "0-255", "0-255")), stamped ? forger.User : null);

        var error = $"{stack.QueuePrefix}apply-apcbs_error";
        var moved = new List<BasicGetResult>();
        await Eventually.TrueAsync(async () =>
        {
            moved.AddRange(await forger.DrainMessagesAsync(error));
            return moved.Any(m => Encoding.UTF8.GetString(m.Body.Span).Contains(host));
        }, $"the forged ApplyApcbs about {host} in {error}");
        await Task.Delay(TimeSpan.FromSeconds(2));
        moved.AddRange(await forger.DrainMessagesAsync(error));
        var forged = Assert.Single(moved, m => Encoding.UTF8.GetString(m.Body.Span).Contains(host));
        Assert.False(forged.BasicProperties.IsUserIdPresent());
        var headers = forged.BasicProperties.Headers!;
        Assert.Contains("only 'vfioap' may publish it", Encoding.UTF8.GetString((byte[])headers["MT-Fault-Message"]!));
        if (stamped) Assert.Equal(forger.User, Encoding.UTF8.GetString((byte[])headers[Publishers.Header]!));
        else Assert.False(headers.ContainsKey(Publishers.Header));

        var guest = await http.GetFromJsonAsync<JsonElement>(path);
        Assert.Equal(1, guest.GetProperty("version").GetInt64());
        Assert.Equal("4", guest.GetProperty("apm").GetString());
    }

    [Fact]
    public async Task Should_put_a_forged_apply_apcb_naming_a_fault_address_in_the_error_queue_and_send_no_fault()
    {
        var host = Guests.NewHost();
        await using var forger = await RawBroker.OpenAsync(stack.Servers, Publishers.User(stack.Servers.RabbitMq));
        var faults = $"{stack.QueuePrefix}audit-faults";
        var envelope = JsonSerializer.Serialize(new
        {
            messageId = Guid.NewGuid(),
            messageType = new[] { "urn:message:Apmatrix.Contracts:ApplyApcbs" },
            faultAddress = $"queue:{faults}",
            message = Guests.Apcb(host, "g1", 1, "0-255", "0-255", "0-255"),
        }, new JsonSerializerOptions(JsonSerializerDefaults.Web));

        await forger.PublishRawAsync(ExchangeTap.Exchange(nameof(ApplyApcbs)), "", envelope);

        await UntilMovedAsync(forger, $"{stack.QueuePrefix}apply-apcbs_error", host);
        Assert.Empty(await forger.DrainAsync(faults));
        await NotFoundAsync(stack.GuestVm, $"/hosts/{host}/guests/g1");
    }

    [Fact]
    public async Task Should_put_a_bus_event_from_anyone_but_apbus_in_the_error_queue_and_define_no_host()
    {
        var host = VfioApi.NewHost();
        var scan = BusEventSender.Scan(host, 1, "4", "4", "");
        var envelope = JsonSerializer.Serialize(new
        {
            messageId = Guid.NewGuid(),
            messageType = new[] { $"urn:message:Apmatrix.Contracts:{nameof(ConfigChanged)}", $"urn:message:Apmatrix.Contracts:{nameof(IBusEvent)}" },
            message = JsonSerializer.SerializeToElement(scan[0], scan[0].GetType(), Wire.Options),
        });
        await using var admin = await RawBroker.OpenAsync(stack.Servers, Publishers.User(stack.Servers.RabbitMq));

        await admin.PublishRawAsync(ExchangeTap.Exchange(nameof(ConfigChanged)), host, envelope);

        await Eventually.TrueAsync(async () =>
        {
            foreach (var queue in BusEventLanes.Queues(stack.QueuePrefix, "_error"))
                if ((await admin.DrainAsync(queue)).Any(body => body.Contains(host))) return true;
            return false;
        }, $"the forged message about {host} in its lane's _error queue");
        await NotFoundAsync(stack.VfioAp, $"/hosts/{host}");
    }

    [Fact]
    public async Task Should_move_a_message_no_consumer_takes_to_the_skipped_queue_without_its_user_id()
    {
        var host = Guests.NewHost();
        var queue = $"{stack.QueuePrefix}bus-events-0";
        await using var admin = await RawBroker.OpenAsync(stack.Servers, Publishers.User(stack.Servers.RabbitMq));

        // VfioAp's queue has no consumer of ApplyApcbs; MassTransit moves it to _skipped from VfioAp's connection.
        await admin.PublishRawAsync(queue, "", Guests.Envelope(Guests.Apcb(host, "g1", 1, "4")));

        var skipped = new List<BasicGetResult>();
        await Eventually.TrueAsync(async () =>
        {
            skipped.AddRange(await admin.DrainMessagesAsync($"{queue}_skipped"));
            return skipped.Any(m => Encoding.UTF8.GetString(m.Body.Span).Contains(host));
        }, $"the ApplyApcbs about {host} in {queue}_skipped");
        var moved = Assert.Single(skipped, m => Encoding.UTF8.GetString(m.Body.Span).Contains(host));
        Assert.False(moved.BasicProperties.IsUserIdPresent());
        Assert.Equal(admin.User, Encoding.UTF8.GetString((byte[])moved.BasicProperties.Headers![Publishers.Header]!));
    }

    [Theory]
    [InlineData("apbus")]
    [InlineData("vfioap")]
    [InlineData("guestvm")]
    [InlineData("auditor")]
    public async Task Should_give_the_broker_a_hash_of_each_password_never_the_password(string user)
    {
        var password = Uri.UnescapeDataString(stack.Servers.Broker(user).UserInfo.Split(':')[1]);
        using var definitions = JsonDocument.Parse(await ServerFixture.ServersScriptAsync("definitions", "apmatrix"));
        var entry = definitions.RootElement.GetProperty("users").EnumerateArray().Single(u => u.GetProperty("name").GetString() == user);

        Assert.False(entry.TryGetProperty("password", out _));
        Assert.DoesNotContain(password, definitions.RootElement.GetRawText());
        Assert.Equal("rabbit_password_hashing_sha256", entry.GetProperty("hashing_algorithm").GetString());
        // RabbitMQ's form: a 4-byte salt, then SHA-256 of the salt and the password.
        var hash = Convert.FromBase64String(entry.GetProperty("password_hash").GetString()!);
        Assert.Equal(36, hash.Length);
        Assert.Equal(hash[4..], System.Security.Cryptography.SHA256.HashData([.. hash[..4], .. Encoding.UTF8.GetBytes(password)]));
    }

    static Task UntilMovedAsync(RawBroker broker, string queue, string host) =>
        Eventually.TrueAsync(async () => (await broker.DrainAsync(queue)).Any(body => body.Contains(host)), $"the forged message about {host} in {queue}");

    async Task NotFoundAsync(Uri service, string path)
    {
        using var http = stack.Client(service);
        using var response = await http.GetAsync(path);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    /// <summary>The reply code the broker closed the channel with for one publish; null when it took the message.</summary>
    static async Task<ushort?> RefusalAsync(Uri broker, string exchange, string routingKey, string? userId)
    {
        await using var connection = await new ConnectionFactory { Uri = broker }.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        try
        {
            await channel.BasicPublishAsync(exchange, routingKey, false, new BasicProperties { UserId = userId }, "{}"u8.ToArray());
            // A refused publish closes the channel; the next call on it, one that needs no permission, tells.
            await channel.ExchangeDeclarePassiveAsync("amq.fanout");
            return null;
        }
        catch (OperationInterruptedException e)
        {
            return e.ShutdownReason?.ReplyCode;
        }
    }
}
