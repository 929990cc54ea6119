using System.Net.Sockets;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Apmatrix.Hosting;

/// <summary>Sorts a failure into <see cref="DatabaseFault"/> by walking its inner exceptions; the first one that says anything decides.</summary>
public static class DatabaseFaults
{
    public static DatabaseFault Classify(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
            switch (e)
            {
                case PostgresException p:
                    return OfSqlState(p.SqlState);
                case DbUpdateConcurrencyException:
                    return DatabaseFault.Contention;
                case SocketException or IOException or TimeoutException:
                    return DatabaseFault.Outage;
                case NpgsqlException { IsTransient: true }:
                    return DatabaseFault.Outage;
            }
        return DatabaseFault.BadMessage;
    }

    public static bool IsOutage(Exception exception) => Classify(exception) == DatabaseFault.Outage;

    /// <summary>The exception to log a failure with: none for a server that does not answer, whose stack says nothing its cause does not.</summary>
    public static Exception? StackWorthy(Exception? exception) => exception is not null && IsOutage(exception) ? null : exception;

    public static bool IsContention(Exception exception) => Classify(exception) == DatabaseFault.Contention;

    /// <summary>
    /// One line on why, for an answer: PostgreSQL's own message and code, without the lines Npgsql adds to its exception's
    /// message (a DETAIL it redacted and how to see it), which a caller can do nothing with.
    /// </summary>
    public static string Brief(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
            if (e is PostgresException p) return $"{p.SqlState}: {p.MessageText}";
        return exception.GetBaseException().Message;
    }

    static DatabaseFault OfSqlState(string state) => state switch
    {
        PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.LockNotAvailable
            or PostgresErrorCodes.UniqueViolation => DatabaseFault.Contention,
        PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown or PostgresErrorCodes.CannotConnectNow
            or PostgresErrorCodes.TooManyConnections => DatabaseFault.Outage,
        _ when state.StartsWith("08", StringComparison.Ordinal) => DatabaseFault.Outage,
        _ => DatabaseFault.BadMessage,
    };
}
