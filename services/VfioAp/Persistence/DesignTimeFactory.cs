using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Apmatrix.VfioAp.Persistence;

/// <summary>For <c>dotnet ef migrations</c> only; the running service gets its connection from configuration.</summary>
sealed class DesignTimeFactory : IDesignTimeDbContextFactory<VfioApDbContext>
{
    public VfioApDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<VfioApDbContext>().UseNpgsql("Host=127.0.0.1;Database=vfioap").Options);
}
