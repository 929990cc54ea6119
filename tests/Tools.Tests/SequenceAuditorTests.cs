using Apmatrix.Contracts;
using Apmatrix.LoadTest;

namespace Apmatrix.Tools.Tests;

/// <summary>The extra subscriber's judgement: gaps are lost events, order is judged on first deliveries only.</summary>
public sealed class SequenceAuditorTests
{
    [Fact]
    public async Task Should_count_what_the_broker_redelivered_after_a_failure_without_calling_it_out_of_order()
    {
        var auditor = new SequenceAuditor("q");
        // 1 and 2 handled; 3..5 were prefetched when the connection died and come back newest first; then 6 as usual.
        foreach (var (sequence, redelivered) in new[] { (1L, false), (2L, false), (5L, true), (4L, true), (3L, true), (2L, true), (6L, false) })
            await auditor.Note(Probe(sequence), redelivered);

        var report = auditor.Report("h", 6);

        Assert.Equal((0L, 1L, 4L, 0L), (report.Missing, report.Duplicates, report.Redelivered, report.OutOfOrder));
        Assert.True(report.Complete && report.InOrder);
    }

    [Fact]
    public async Task Should_call_a_first_delivery_that_overtakes_another_out_of_order_and_a_gap_missing()
    {
        var auditor = new SequenceAuditor("q");
        foreach (var sequence in new long[] { 1, 3, 2, 5 }) await auditor.Note(Probe(sequence));

        var report = auditor.Report("h", 5);

        Assert.Equal((1L, 3L), (report.Missing, report.OutOfOrder));
        Assert.Equal("3 after 1, 2 after 3, 5 after 3", report.FirstOutOfOrder);
        Assert.False(report.Complete || report.InOrder);
    }

    [Fact]
    public async Task Should_judge_grouped_messages_by_their_one_sequence_each()
    {
        var auditor = new SequenceAuditor("q");
        var queues = new[] { new ProbedRun("01.0002", "01.0003", BoundDriver.VfioAp) };
        await auditor.Note(Probe(1));
        await auditor.Note(new QueuesProbed("h", 2, null, queues));
        await auditor.Note(new QueuesRemoved("h", 4, null, [new RemovedRun("01.0002", "01.0002", BoundDriver.VfioAp, RemovalReason.ConfigRemoved)]));

        var report = auditor.Report("h", 4);

        Assert.Equal((3L, 1L, 1L), (report.Delivered, report.Missing, report.OutOfOrder));
        Assert.Equal("4 after 2", report.FirstOutOfOrder);
    }

    static QueueProbed Probe(long sequence) => new("h", sequence, null, "01.0002", BoundDriver.VfioAp);
}
