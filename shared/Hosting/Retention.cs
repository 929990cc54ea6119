namespace Apmatrix.Hosting;

/// <summary>The pruner's decisions, no I/O: what is old enough to go, and whether a table needs another statement.</summary>
public static class Retention
{
    /// <summary>Finished rows from before this instant may go.</summary>
    public static DateTime Cutoff(DateTime now, TimeSpan keepFor) => now - keepFor;

    /// <summary>A full batch means more may be waiting; a short one means the table is done for this round.</summary>
    public static bool MoreToDo(int deleted, int batchSize) => deleted >= batchSize;
}
