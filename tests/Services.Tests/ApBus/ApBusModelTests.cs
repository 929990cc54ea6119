using Apmatrix.ApBus.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Apmatrix.Services.Tests.ApBus;

/// <summary>The hand-written event-form migration must describe the model exactly: no migration is pending against the snapshot.</summary>
public class ApBusModelTests
{
    [Fact]
    public void The_apbus_model_matches_its_migrations()
    {
        using var db = new ApBusDbContext(new DbContextOptionsBuilder<ApBusDbContext>().UseNpgsql("Host=127.0.0.1;Database=unused").Options);
        Assert.False(db.Database.HasPendingModelChanges());
    }
}
