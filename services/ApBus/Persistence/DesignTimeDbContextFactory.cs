using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Apmatrix.ApBus.Persistence;

/// <summary>Lets <c>dotnet ef migrations</c> build the model without starting the service.</summary>
public sealed class DesignTimeDbContextFactory : IDesignTimeDbContextFactory<ApBusDbContext>
{
    public ApBusDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<ApBusDbContext>().UseNpgsql("Host=127.0.0.1;Database=apbus").Options);
}
