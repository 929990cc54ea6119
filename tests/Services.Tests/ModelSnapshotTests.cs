using Apmatrix.GuestVm.Persistence;
using Apmatrix.VfioAp.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Apmatrix.Services.Tests;

/// <summary>Moving entity types between files must not change the EF model: no migration is pending against the snapshots.</summary>
public class ModelSnapshotTests
{
    [Fact]
    public void The_vfioap_model_matches_its_migrations()
    {
        using var db = new VfioApDbContext(new DbContextOptionsBuilder<VfioApDbContext>().UseNpgsql("Host=127.0.0.1;Database=unused").Options);
        Assert.False(db.Database.HasPendingModelChanges());
    }

    [Fact]
    public void The_guestvm_model_matches_its_migrations()
    {
        using var db = new GuestVmDbContext(new DbContextOptionsBuilder<GuestVmDbContext>().UseNpgsql("Host=127.0.0.1;Database=unused").Options);
        Assert.False(db.Database.HasPendingModelChanges());
    }
}
