using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Apmatrix.GuestVm.Persistence;

/// <summary>Lets <c>dotnet ef migrations</c> build the model without starting the service.</summary>
public sealed class DesignTimeDbContextFactory : IDesignTimeDbContextFactory<GuestVmDbContext>
{
    public GuestVmDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<GuestVmDbContext>().UseNpgsql("Host=127.0.0.1;Database=guestvm").Options);
}
