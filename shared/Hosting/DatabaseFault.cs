namespace Apmatrix.Hosting;

/// <summary>What a failed database call says about the message that made it.</summary>
public enum DatabaseFault
{
    /// <summary>Not the database's doing, or the database refused the content: the message is bad and goes to its error queue.</summary>
    BadMessage,

    /// <summary>Another transaction got in the way: a few quick retries settle it.</summary>
    Contention,

    /// <summary>The database cannot be reached or cannot serve now: wait, however long, with the message kept in its queue.</summary>
    Outage,
}
