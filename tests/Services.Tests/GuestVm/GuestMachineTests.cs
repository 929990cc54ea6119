using Apmatrix.ApModel;
using Apmatrix.GuestVm.Core;

namespace Apmatrix.Services.Tests.GuestVm;

public class GuestMachineTests
{
    static ApMatrix Masks(string apm, string aqm, string adm) =>
        new(Bitmap256.ParseRangeList(apm), Bitmap256.ParseRangeList(aqm), Bitmap256.ParseRangeList(adm));

    [Fact]
    public void A_write_blocks_every_vcpu_rebuilds_its_shadow_crycb_and_lets_it_run_again()
    {
        var machine = new GuestMachine(4, ApcbFormat.Apcb1, TimeSpan.Zero);

        machine.SetMasks(Masks("1", "2", "3"));
        machine.SetMasks(Masks("1-2", "2", "3"));

        Assert.All(machine.Vcpus, vcpu =>
        {
            Assert.True(vcpu.InSie);
            Assert.False(vcpu.Blocked);
            Assert.False(vcpu.ShadowCrycbStale);
            Assert.Equal(2, vcpu.ShadowCrycbRebuilds);
        });
    }

    [Fact]
    public void A_vcpu_takes_a_rebuild_request_only_while_blocked_and_rebuilds_before_it_runs()
    {
        var vcpu = new Vcpu();
        Assert.Throws<InvalidOperationException>(vcpu.RequestShadowCrycbRebuild);
        Assert.Throws<InvalidOperationException>(vcpu.Unblock);

        vcpu.Block();
        Assert.False(vcpu.InSie);
        vcpu.RequestShadowCrycbRebuild();
        Assert.True(vcpu.ShadowCrycbStale);
        vcpu.Unblock();

        Assert.True(vcpu.InSie);
        Assert.False(vcpu.ShadowCrycbStale);
        Assert.Equal(1, vcpu.ShadowCrycbRebuilds);
    }

    [Fact]
    public void An_apcb0_guest_gets_only_adapters_up_to_63_and_domains_up_to_15()
    {
        var machine = new GuestMachine(1, ApcbFormat.Apcb0, TimeSpan.Zero);

        var write = machine.SetMasks(Masks("3,63-64,200", "15-16", "0,15,255"));

        Assert.Equal(Masks("3,63", "15", "0,15"), write.Masks);
        Assert.Equal(32, write.Crycb.Length);
        Assert.Equal(Masks("3,63", "15", "0,15").ToImage(ApcbFormat.Apcb0), write.Crycb);
    }

    [Fact]
    public void An_apcb1_guest_gets_the_masks_whole()
    {
        var machine = new GuestMachine(2, ApcbFormat.Apcb1, TimeSpan.Zero);

        var write = machine.SetMasks(Masks("200", "255", "16"));

        Assert.Equal(Masks("200", "255", "16"), write.Masks);
        Assert.Equal(128, write.Crycb.Length);
    }

    [Fact]
    public void The_suspend_lasts_at_least_the_cost_of_every_vcpu()
    {
        var machine = new GuestMachine(4, ApcbFormat.Apcb1, TimeSpan.FromMicroseconds(250));

        var write = machine.SetMasks(Masks("1", "1", "1"));

        Assert.True(write.Suspended >= TimeSpan.FromMilliseconds(1), $"suspended only {write.Suspended}");
    }
}
