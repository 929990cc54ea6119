using System.Text.Json;
using Apmatrix.Contracts;
using Apmatrix.Hosting;

namespace Apmatrix.Services.Tests.Hosting;

/// <summary>Messages packed into outbox rows come back out as the same messages, in the same order, with stable ids.</summary>
public class Outbox_rows
{
    static readonly Guid Scan = Guid.CreateVersion7();

    static IBusEvent Probed(string host, long sequence) => new QueueProbed(host, sequence, Scan, $"{sequence >> 8 & 0xff:x2}.{sequence & 0xff:x4}", BoundDriver.VfioAp);

    static List<IBusEvent> Scanned(string host, int queues) =>
    [
        new ConfigChanged(host, 1, Scan, new("80", "80", "00", 255, 255), new("00", "00", "00", 255, 255)),
        .. Enumerable.Range(2, queues).Select(i => Probed(host, i)),
        new ScanComplete(host, queues + 2, Scan, new("80", "80", "00", 255, 255), new("00", "00", "00", 255, 255)),
    ];

    static List<object> Unpacked(IEnumerable<OutboxRows.Written> rows) => [.. rows.SelectMany(r => OutboxRows.Unpack(r.Type, r.Body).Messages)];

    [Theory]
    [InlineData(1, 0)]
    [InlineData(1, 70)]
    [InlineData(32, 1)]
    [InlineData(32, 64)]
    [InlineData(32, 65)]
    [InlineData(7, 300)]
    public void Should_give_back_every_message_in_order(int perRow, int queues)
    {
        var events = Scanned("h1", queues);

        var rows = OutboxRows.Pack(events, e => e.HostId, perRow);

        Assert.Equal(events, Unpacked(rows));
        Assert.Equal(2 + (queues + perRow - 1) / perRow, rows.Count);
        Assert.All(rows, r => Assert.Equal("h1", r.Key));
    }

    [Fact]
    public void Should_leave_a_message_alone_in_its_row_as_its_own_type()
    {
        var rows = OutboxRows.Pack(Scanned("h1", 1), e => e.HostId, 32);

        Assert.Equal([typeof(ConfigChanged).FullName, typeof(QueueProbed).FullName, typeof(ScanComplete).FullName], rows.Select(r => r.Type));
        Assert.Equal(Probed("h1", 2), JsonSerializer.Deserialize<QueueProbed>(rows[1].Body, Wire.Options));
    }

    [Fact]
    public void Should_name_a_packed_row_an_array_of_its_contract()
    {
        var (type, packed, messages) = OutboxRows.Unpack(OutboxRows.Pack(Scanned("h1", 3), e => e.HostId, 32)[1] is var row ? row.Type : "", row.Body);

        Assert.Equal("Apmatrix.Contracts.QueueProbed[]", row.Type);
        Assert.Equal(typeof(QueueProbed), type);
        Assert.True(packed);
        Assert.Equal(3, messages.Count);
    }

    [Fact]
    public void Should_never_pack_two_hosts_or_two_types_together()
    {
        List<IBusEvent> events = [Probed("a", 1), Probed("a", 2), Probed("b", 1), Probed("a", 3),
            new QueueRemoved("a", 4, Scan, "00.0001", BoundDriver.Default, RemovalReason.ConfigRemoved), Probed("a", 5), Probed("a", 6)];

        var rows = OutboxRows.Pack(events, e => e.HostId, 32);

        Assert.Equal(["a", "b", "a", "a", "a"], rows.Select(r => r.Key));
        Assert.Equal([2, 1, 1, 1, 2], rows.Select(r => OutboxRows.Unpack(r.Type, r.Body).Messages.Count));
        Assert.Equal(events, Unpacked(rows));
    }

    [Fact]
    public void Should_refuse_a_body_no_contract_reads()
    {
        Assert.Throws<InvalidOperationException>(() => OutboxRows.Unpack("Apmatrix.Contracts.NoSuchEvent[]", "[]"));
        Assert.Throws<JsonException>(() => OutboxRows.Unpack(typeof(QueueProbed).MakeArrayType().FullName!, "[null]"));
        Assert.Throws<JsonException>(() => OutboxRows.Unpack(typeof(QueueProbed).MakeArrayType().FullName!, "{\"hostId\":\"a\"}"));
    }

    [Fact]
    public void Should_give_each_message_of_a_packed_row_its_own_id_the_same_every_time()
    {
        var row = Guid.NewGuid();

        var ids = Enumerable.Range(0, 64).Select(i => OutboxRows.MessageIdOf(row, i, packed: true)).ToList();

        Assert.Equal(65, ids.Append(row).Distinct().Count());
        Assert.Equal(ids, Enumerable.Range(0, 64).Select(i => OutboxRows.MessageIdOf(row, i, packed: true)));
        Assert.All(ids, id => Assert.Equal(8, id.Version));
        Assert.Equal(row, OutboxRows.MessageIdOf(row, 0, packed: false));
    }

    [Theory]
    [InlineData(new[] { 1, 1, 1 }, 3, 3)]
    [InlineData(new[] { 1, 1, 1 }, 2, 2)]
    [InlineData(new[] { 32, 32, 32 }, 70, 2)]
    [InlineData(new[] { 32, 32 }, 64, 2)]
    [InlineData(new[] { 32, 32 }, 10, 1)]
    [InlineData(new[] { 1, 0, 1 }, 1, 2)]
    [InlineData(new[] { 0, 32, 32 }, 5, 2)]
    [InlineData(new[] { 0, 0 }, 0, 2)]
    public void Should_take_whole_rows_and_never_none(int[] messagesPerRow, int allowed, int taken) =>
        Assert.Equal(taken, OutboxRows.Taken(messagesPerRow, allowed));
}
