using System.Text;
using Apmatrix.Hosting;
using RabbitMQ.Client;

namespace Apmatrix.Services.Tests.Hosting;

/// <summary>Why a dead letter is where it is, as the dead-letter view tells an operator.</summary>
public class DeadLetterViewTests
{
    static DeadLetterMessage Read(Dictionary<string, object?> headers, string messageTypes) =>
        DeadLetterMessage.From(new BasicProperties { Headers = headers },
            Encoding.UTF8.GetBytes($$$"""{"messageId":"m1","messageType":[{{{messageTypes}}}],"message":{"hostId":"h1"}}"""), "bus-events-3");

    [Fact]
    public void A_message_no_consumer_took_names_the_queue_and_the_types_it_came_with()
    {
        var skipped = Read(new() { [DeadLetterMessage.ReasonHeader] = DeadLetterMessage.Unconsumed },
            "\"urn:message:Apmatrix.Contracts:QueuesProbed\"");

        Assert.Equal("dead-letter", skipped.Reason);
        Assert.Equal("no consumer of bus-events-3 takes its message type urn:message:Apmatrix.Contracts:QueuesProbed", skipped.FaultMessage);
        Assert.Equal("h1", skipped.HostId);
    }

    [Fact]
    public void A_message_with_no_type_at_all_says_so()
    {
        var skipped = Read(new() { [DeadLetterMessage.ReasonHeader] = Encoding.UTF8.GetBytes(DeadLetterMessage.Unconsumed) }, "");

        Assert.Equal("no consumer of bus-events-3 takes its message types (it names none)", skipped.FaultMessage);
    }

    [Fact]
    public void A_faulted_message_keeps_the_fault_MassTransit_recorded()
    {
        var faulted = Read(new() { [DeadLetterMessage.ReasonHeader] = "fault", [DeadLetterMessage.FaultPrefix + "Message"] = "sequence 0 is not positive" },
            "\"urn:message:Apmatrix.Contracts:IBusEvent\"");

        Assert.Equal("fault", faulted.Reason);
        Assert.Equal("sequence 0 is not positive", faulted.FaultMessage);
    }
}
