using Microsoft.EntityFrameworkCore;

namespace Apmatrix.Hosting;

/// <summary>
/// Whether the service's migrations have been applied this run (<see cref="DatabaseSetup"/>): what reads the service's
/// tables on a timer (readiness, gauges) waits for it, since on a fresh database those tables do not exist before.
/// </summary>
public sealed class DatabaseSchema<TContext> where TContext : DbContext
{
    volatile bool _migrated;

    public bool Migrated => _migrated;

    internal void MarkMigrated() => _migrated = true;
}
