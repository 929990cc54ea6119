using Microsoft.EntityFrameworkCore;

namespace Apmatrix.Hosting;

/// <summary>
/// One kind of row a pruner deletes: <see cref="DeleteAsync"/> deletes at most <c>limit</c> rows finished before
/// <c>cutoff</c> in one statement and returns how many it deleted.
/// </summary>
public sealed record PruneStep<TContext>(string What, Func<TContext, DateTime, int, CancellationToken, Task<int>> DeleteAsync)
    where TContext : DbContext;
