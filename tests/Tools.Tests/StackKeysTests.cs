using Apmatrix.Hosting;
using Apmatrix.LoadTest;

namespace Apmatrix.Tools.Tests;

/// <summary>The keys the load tool makes for the stack it starts: each service admits hashes and holds only its own key.</summary>
public sealed class StackKeysTests
{
    [Fact]
    public void Should_give_each_service_the_hashes_it_admits_and_only_its_own_key()
    {
        var keys = new StackKeys();
        var apBus = keys.Settings("ApBus").ToDictionary();
        var vfioAp = keys.Settings("VfioAp").ToDictionary();
        var guestVm = keys.Settings("GuestVm").ToDictionary();

        Assert.Equal(ApiKeys.Sha256Hex(keys.Operator), guestVm["Auth:Clients:operator:KeySha256"]);
        Assert.Equal(ApiRoles.Operator, guestVm["Auth:Clients:operator:Role"]);
        Assert.Equal(2, guestVm.Count);
        Assert.Equal((keys.ApBus, ApiKeys.Sha256Hex(keys.VfioAp), ApiRoles.Service),
            (apBus["Services:VfioApKey"], apBus["Auth:Clients:vfioap:KeySha256"], apBus["Auth:Clients:vfioap:Role"]));
        Assert.Equal((keys.VfioAp, ApiKeys.Sha256Hex(keys.ApBus), ApiRoles.Service),
            (vfioAp["Services:ApBusKey"], vfioAp["Auth:Clients:apbus:KeySha256"], vfioAp["Auth:Clients:apbus:Role"]));
        Assert.DoesNotContain(keys.Operator, apBus.Values.Concat(vfioAp.Values).Concat(guestVm.Values));
        Assert.DoesNotContain(keys.VfioAp, apBus.Values);
        Assert.DoesNotContain(keys.ApBus, vfioAp.Values);
        Assert.Equal(3, new[] { keys.Operator, keys.ApBus, keys.VfioAp }.Distinct().Count());
    }
}
