using Apmatrix.ApModel;
using Apmatrix.GuestVm.Core;

namespace Apmatrix.Services.Tests.GuestVm;

public class GuestMachineStateTests
{
    [Fact]
    public void A_new_guest_holds_the_empty_image_of_its_format()
    {
        Assert.Equal(new byte[32], GuestMachineState.New(4, ApcbFormat.Apcb0).Crycb);
        Assert.Equal(new byte[128], GuestMachineState.New(4, ApcbFormat.Apcb1).Crycb);
    }

    [Fact]
    public void A_guest_without_an_apcb_may_change_its_format_and_gets_that_format_image()
    {
        var redefined = GuestMachineState.New(4, ApcbFormat.Apcb1).Redefine(8, ApcbFormat.Apcb0);

        Assert.NotNull(redefined);
        Assert.Equal((8, ApcbFormat.Apcb0, 32), (redefined.Vcpus, redefined.Format, redefined.Crycb.Length));
    }

    [Fact]
    public void A_guest_holding_an_apcb_keeps_its_format_but_may_change_its_vcpus()
    {
        var holding = GuestMachineState.New(4, ApcbFormat.Apcb1) with { Version = 3 };

        Assert.Null(holding.Redefine(4, ApcbFormat.Apcb0));
        Assert.Equal(16, holding.Redefine(16, ApcbFormat.Apcb1)?.Vcpus);
    }
}
