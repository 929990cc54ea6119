using Apmatrix.Hosting;
using RabbitMQ.Client;

namespace Apmatrix.Services.Tests.Hosting;

/// <summary>
/// Who a re-driven message says published it: a user_id RabbitMQ validated, or a header this service wrote; never a header
/// a sender wrote itself into the dead-letter queue two services share.
/// </summary>
public class RedrivenTests
{
    const string Self = "vfioap";

    static BasicProperties Died(string? userId, string? header)
    {
        var headers = new Dictionary<string, object?> { ["x-first-death-queue"] = "bus-events-3", ["MT-Fault-Message"] = "boom", ["kept"] = "yes" };
        if (header is not null) headers[Publishers.Header] = header;
        var properties = new BasicProperties { Headers = headers };
        if (userId is not null) properties.UserId = userId;
        return properties;
    }

    [Theory]
    [InlineData(null, "apbus", true, null)]
    [InlineData("guestvm", "apbus", true, "guestvm")]
    [InlineData("apbus", null, true, "apbus")]
    [InlineData(Self, "apbus", true, "apbus")]
    [InlineData(null, "apbus", false, "apbus")]
    [InlineData("apbus", null, false, "apbus")]
    public void Should_name_only_a_publisher_RabbitMQ_or_this_service_vouched_for(string? userId, string? header, bool shared, string? publisher)
    {
        var redriven = DeadLetterBroker.Redriven(Died(userId, header), Self, shared);

        Assert.Equal(Self, redriven.UserId);
        Assert.Equal(publisher, redriven.Headers!.TryGetValue(Publishers.Header, out var named) ? (string?)named : null);
        Assert.Equal("yes", redriven.Headers["kept"]);
        Assert.False(redriven.Headers.ContainsKey("x-first-death-queue"));
        Assert.False(redriven.Headers.ContainsKey("MT-Fault-Message"));
    }
}
