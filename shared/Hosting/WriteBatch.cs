using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Apmatrix.Hosting;

/// <summary>
/// The writes of one transaction sent in one round trip: every change waits for each round trip on its way through a
/// service, and on a busy machine each is also a wait to be scheduled again, in the service and in PostgreSQL.
/// </summary>
public sealed class WriteBatch
{
    readonly List<NpgsqlBatchCommand> _statements = [];

    /// <summary>Adds a statement with named parameters (<c>@name</c>); statements run in the order added.</summary>
    public void Add(string sql, params IEnumerable<NpgsqlParameter> parameters)
    {
        var statement = new NpgsqlBatchCommand(sql);
        statement.Parameters.AddRange(parameters.ToArray());
        _statements.Add(statement);
    }

    /// <summary>Sends what was added, within the context's current transaction, and empties the batch.</summary>
    public async Task ExecuteAsync(DbContext db, CancellationToken cancellationToken)
    {
        if (_statements.Count == 0) return;
        if (db.Database.CurrentTransaction is null)
            throw new InvalidOperationException("a write batch runs inside the transaction of the change it writes");
        await using var batch = new NpgsqlBatch((NpgsqlConnection)db.Database.GetDbConnection());
        foreach (var statement in _statements) batch.BatchCommands.Add(statement);
        _statements.Clear();
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }
}
