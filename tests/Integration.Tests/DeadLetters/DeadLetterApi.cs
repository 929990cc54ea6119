using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Apmatrix.Contracts;
using Apmatrix.Hosting;
using Apmatrix.Integration.Tests.VfioAp;
using RabbitMQ.Client;

namespace Apmatrix.Integration.Tests.DeadLetters;

/// <summary>A service's <c>/dead-letters</c> API, and the broker side a test needs around it.</summary>
public sealed class DeadLetterApi(HttpClient http) : IDisposable
{
    public Task<HttpResponseMessage> ListAsync() => http.GetAsync("/dead-letters");
    public Task<HttpResponseMessage> PeekAsync(string queue, string? count = null) =>
        http.GetAsync($"/dead-letters/{queue}{(count is null ? "" : $"?count={count}")}");
    public Task<HttpResponseMessage> RedriveAsync(string queue, object? body) =>
        body is null ? http.PostAsync($"/dead-letters/{queue}/redrive", null) : http.PostAsJsonAsync($"/dead-letters/{queue}/redrive", body);

    /// <summary>Each dead-letter queue and its count.</summary>
    public async Task<Dictionary<string, long>> CountsAsync()
    {
        using var response = await ListAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray()
            .ToDictionary(q => q.GetProperty("queue").GetString()!, q => q.GetProperty("messages").GetInt64());
    }

    public async Task<JsonElement> PeekedAsync(string queue, string? count = null)
    {
        using var response = await PeekAsync(queue, count);
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>A <c>QueueProbed</c> no check lets through (APQN <c>zz</c>), routed by its host as ApBus routes it: it faults to the host's lane's <c>_error</c>.</summary>
    public static Task SendPoisonAsync(BusEventSender bus, string host, long sequence) =>
        bus.PublishRawAsync($"Apmatrix.Contracts:{nameof(QueueProbed)}", host, $$$"""
            {"messageId":"{{{Guid.NewGuid()}}}","messageType":["urn:message:Apmatrix.Contracts:QueueProbed","urn:message:Apmatrix.Contracts:IBusEvent"],
             "message":{"hostId":"{{{host}}}","sequence":{{{sequence}}},"apqn":"zz","driver":"VfioAp"}}
            """);

    /// <summary>Empties every lane's <c>_error</c>, poisons <paramref name="host"/>'s lane and answers which lane's <c>_error</c> it reached.</summary>
    public async Task<string> LaneErrorOfAsync(BusEventSender bus, string prefix, string host)
    {
        await bus.DrainLaneErrorsAsync(prefix);
        await SendPoisonAsync(bus, host, 99);
        var lanes = BusEventLanes.Queues(prefix, DeadLetterQueues.Error).ToHashSet();
        var counts = await Eventually.ReadAsync(CountsAsync, c => c.Any(q => lanes.Contains(q.Key) && q.Value > 0), $"host {host}'s poison in a lane's _error");
        return Assert.Single(counts, q => lanes.Contains(q.Key) && q.Value > 0).Key;
    }

    public void Dispose() => http.Dispose();
}

/// <summary>Writes into a lane's <c>_error</c> what VfioAp's own error move writes there: VfioAp's user, no <c>user_id</c>, the publisher in a header.</summary>
public sealed class ErrorQueueWriter(IConnection connection, IChannel channel, Uri admin) : RawBroker(connection, channel, admin, "vfioap")
{
    public static async Task<ErrorQueueWriter> OpenAsync(ServerFixture servers)
    {
        var (connection, channel) = await ConnectAsync(servers.Broker("vfioap"), confirmed: true);
        return new ErrorQueueWriter(connection, channel, servers.RabbitMq);
    }

    /// <summary>A bus event as MassTransit moves a faulted one: to the exchange of <paramref name="errorQueue"/>, its host as routing key, <c>MT-Fault-*</c> headers.</summary>
    public async Task FaultAsync(string errorQueue, IBusEvent e, string? publisher)
    {
        var headers = new Dictionary<string, object?>
        {
            ["MT-Reason"] = "fault",
            ["MT-Fault-ExceptionType"] = "System.TimeoutException",
            ["MT-Fault-Message"] = "the test's own fault",
            ["MT-Fault-Timestamp"] = DateTime.UtcNow.ToString("O"),
            ["MT-Fault-InputAddress"] = $"rabbitmq://localhost/{errorQueue[..^DeadLetterQueues.Error.Length]}",
        };
        if (publisher is not null) headers[Publishers.Header] = publisher;
        await Channel.BasicPublishAsync(errorQueue, e.HostId, true,
            new BasicProperties { ContentType = "application/vnd.masstransit+json", Persistent = true, Headers = headers },
            Encoding.UTF8.GetBytes(BusEventSender.Envelope(e)));
    }
}
