using System.Text.Json;
using System.Text.Json.Nodes;
using Apmatrix.ApModel;
using Apmatrix.Hosting;
using MassTransit;
using MassTransit.Serialization;

namespace Apmatrix.Contracts.Tests;

/// <summary>
/// Pins each message's JSON wire form to a golden file: a renamed or retyped field, or a changed enum
/// spelling, breaks every running consumer, so it must break a test first.
/// </summary>
public class WireFormTests
{
    static readonly ApConfigInfo Empty = ApConfigInfo.From(new ApConfig(default, default, default));
    static readonly ApConfigInfo Adapters45 = ApConfigInfo.From(new ApConfig(Bitmap256.Of(4, 5), Bitmap256.Of(4), Bitmap256.Of(4)));
    static readonly Guid Scan = Guid.Parse("6f1c1d2e-0000-4000-8000-00000000a001");

    public static TheoryData<string, object> Messages => new()
    {
        { "config-changed", new ConfigChanged("h1", 1, Scan, Adapters45, Empty) },
        { "queue-probed", new QueueProbed("h1", 2, Scan, "05.0004", BoundDriver.VfioAp) },
        { "queue-removed", new QueueRemoved("h1", 3, null, "05.0004", BoundDriver.Default, RemovalReason.MaskChange) },
        { "queues-probed", new QueuesProbed("h1", 2, Scan, [new("05.0004", "05.0005", BoundDriver.VfioAp), new("05.0007", "05.0007", BoundDriver.Default)]) },
        { "queues-removed", new QueuesRemoved("h1", 3, Scan, [new("05.0004", "05.0004", BoundDriver.VfioAp, RemovalReason.ConfigRemoved)]) },
        { "scan-complete", new ScanComplete("h1", 4, Scan, Adapters45, Empty) },
        { "bus-masks-changed", new BusMasksChanged("h1", 5, Bitmap256.Of(0).ToMsb0Hex(), Bitmap256.Empty.ToMsb0Hex()) },
        { "apply-apcbs", new ApplyApcbs("h1", [
            new("g1", 7, Bitmap256.Of(4, 5).ToMsb0Hex(), Bitmap256.Of(4).ToMsb0Hex(), Bitmap256.Empty.ToMsb0Hex(), "m1"),
            new("g2", 3, Bitmap256.Empty.ToMsb0Hex(), Bitmap256.Empty.ToMsb0Hex(), Bitmap256.Empty.ToMsb0Hex(), null),
        ]) },
        { "apcbs-applied", new ApcbsApplied("h1", [new("g1", 7, false, 0.25, Holds: 7), new("g2", 3, true, 0, Holds: 5), new("g3", 4, true, 0, Holds: 4, Conflict: true)]) },
    };

    [Theory]
    [MemberData(nameof(Messages))]
    public void Should_serialize_exactly_as_the_golden_file(string name, object message)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "golden", $"{name}.json");
        var actual = JsonNode.Parse(JsonSerializer.Serialize(message, message.GetType(), SystemTextJsonMessageSerializer.Options))!;
        var golden = JsonNode.Parse(File.ReadAllText(path))!;
        Assert.True(JsonNode.DeepEquals(golden, actual), $"{name}: golden {golden.ToJsonString()}\n actual {actual.ToJsonString()}");
    }

    [Fact]
    public void Should_read_an_acknowledgement_from_before_holds_as_holding_nothing_said()
    {
        const string older = """{"hostId":"h1","guests":[{"guestId":"g1","version":7,"duplicate":true,"suspendedMilliseconds":0}]}""";

        var read = JsonSerializer.Deserialize<ApcbsApplied>(older, SystemTextJsonMessageSerializer.Options)!;

        Assert.Equal(new GuestApcbApplied("g1", 7, true, 0, Holds: 0, Conflict: false), Assert.Single(read.Guests));
    }

    [Theory]
    [MemberData(nameof(Messages))]
    public void Should_read_the_golden_file_back_to_the_same_message(string name, object message)
    {
        var golden = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "golden", $"{name}.json"));
        Assert.Equal(message, JsonSerializer.Deserialize(golden, message.GetType(), SystemTextJsonMessageSerializer.Options));
    }

    [Theory]
    [MemberData(nameof(Messages))]
    public void Should_survive_the_outbox(string name, object message)
    {
        var body = JsonSerializer.Serialize(message, message.GetType(), Wire.Options);
        var type = Wire.ContractType(message.GetType().FullName!);
        Assert.True(message.Equals(JsonSerializer.Deserialize(body, type, Wire.Options)), $"{name} changed on its way through the outbox: {body}");
    }

    [Theory]
    [InlineData(typeof(ConfigChanged), "urn:message:Apmatrix.Contracts:ConfigChanged")]
    [InlineData(typeof(QueueProbed), "urn:message:Apmatrix.Contracts:QueueProbed")]
    [InlineData(typeof(QueueRemoved), "urn:message:Apmatrix.Contracts:QueueRemoved")]
    [InlineData(typeof(QueuesProbed), "urn:message:Apmatrix.Contracts:QueuesProbed")]
    [InlineData(typeof(QueuesRemoved), "urn:message:Apmatrix.Contracts:QueuesRemoved")]
    [InlineData(typeof(ScanComplete), "urn:message:Apmatrix.Contracts:ScanComplete")]
    [InlineData(typeof(BusMasksChanged), "urn:message:Apmatrix.Contracts:BusMasksChanged")]
    [InlineData(typeof(ApplyApcbs), "urn:message:Apmatrix.Contracts:ApplyApcbs")]
    [InlineData(typeof(ApcbsApplied), "urn:message:Apmatrix.Contracts:ApcbsApplied")]
    public void Should_keep_its_message_urn(Type contract, string urn) => Assert.Equal(urn, MessageUrn.ForTypeString(contract));

    [Fact]
    public void Masks_travel_in_the_sysfs_hex_form()
    {
        var info = ApConfigInfo.From(new ApConfig(Bitmap256.Of(4, 5), Bitmap256.Of(1, 7), default, 63, 15));
        Assert.Equal("0x0c" + new string('0', 62), info.Apm);
        Assert.Equal("0x41" + new string('0', 62), info.Aqm);
        Assert.Equal(new ApConfig(Bitmap256.Of(4, 5), Bitmap256.Of(1, 7), default, 63, 15), info.ToApConfig());
    }
}
