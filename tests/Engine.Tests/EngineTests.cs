using Apmatrix.ApModel;
using Apmatrix.Engine.Tests.Support;
using static Apmatrix.Engine.Tests.Support.TestHost;

namespace Apmatrix.Engine.Tests;

/// <summary>The spec's section 8 cases as direct engine calls; fixture H = {4,5} x {4,5}, adm {4}, mdev m on guest g.</summary>
public class EngineTests
{
    public class InitialAttach
    {
        [Fact]
        public void Case1_attach_gives_the_guest_the_shadow_in_one_update()
        {
            var host = Start().WithMdev("m", "4-5", "4", "4", guest: null);

            var updates = host.UpdatesOf(e => e.Attach("m", "g"));

            Assert.Single(updates);
            Assert.Equal(Masks("4-5", "4", "4"), updates[0].Apcb);
            Assert.Equal(Masks("4-5", "4", "4"), host.Apcb());
            Assert.Equal(1, host.Updates());
            Assert.Equal(["04.0004", "05.0004"], SysfsText.MatrixLines(host.Mdev().Shadow.Apm, host.Mdev().Shadow.Aqm));
            Assert.Equal("04.0004\n05.0004\n", SysfsText.AsFile(SysfsText.MatrixLines(host.Mdev().Shadow.Apm, host.Mdev().Shadow.Aqm)));
        }
    }

    public class AGuestAheadOfTheEngine
    {
        [Fact]
        public void Gets_the_engine_s_apcb_again_numbered_after_the_version_it_holds()
        {
            var host = Start().WithMdev("m", "4-5", "4", "4");
            var numbered = host.Engine.FindGuest("g")!.Version;

            var updates = host.UpdatesOf(e => Assert.True(e.ResendAbove("g", numbered + 5)));

            Assert.Equal(new GuestApcbUpdate("g", numbered + 6, Masks("4-5", "4", "4"), "m"), Assert.Single(updates));
            Assert.Equal(numbered + 6, host.Engine.FindGuest("g")!.Version);
        }

        [Fact]
        public void Gets_the_version_it_holds_again_when_that_came_from_the_engine_s_lost_past()
        {
            var host = Start().WithMdev("m", "4-5", "4", "4");
            var numbered = host.Engine.FindGuest("g")!.Version;

            Assert.Equal(numbered + 1, Assert.Single(host.UpdatesOf(e => Assert.True(e.ResendAbove("g", numbered)))).Version);
            Assert.Empty(host.UpdatesOf(e => Assert.False(e.ResendAbove("g", numbered))));
        }

        [Fact]
        public void Unknown_to_the_engine_is_left_alone()
        {
            var host = Start();

            Assert.Empty(host.UpdatesOf(e => Assert.False(e.ResendAbove("stranger", 3))));
            Assert.Null(host.Engine.FindGuest("stranger"));
        }
    }

    public class WhenTheHostAddsResources
    {
        [Fact]
        public void Case2_probes_wait_and_scan_complete_plugs_the_adapter_once()
        {
            var host = Start(apm: "4").WithMdev("m", "4-5", "4", "4");
            Assert.Equal(Masks("4", "4", "4"), host.Apcb());

            host.ChangeConfig("4-5", "4-5", "4");
            Assert.Equal(Ids("5"), host.Mdev().Added.Apm);
            Assert.Equal(0, host.Updates());

            host.Probe("05.0004");
            host.Probe("05.0005");
            Assert.Equal(0, host.Updates());
            Assert.Equal(Masks("4", "4", "4"), host.Apcb());

            host.CompleteScan();
            Assert.Equal(1, host.Updates());
            Assert.Equal(Masks("4-5", "4", "4"), host.Apcb());
            Assert.True(host.Mdev().Added.IsEmpty);
        }

        [Fact]
        public void Case2_as_one_bus_scan_costs_one_update_at_scan_complete()
        {
            var host = Start(apm: "4").WithMdev("m", "4-5", "4", "4");

            host.Scan("4-5", "4-5", "4");

            var events = host.Recorder.Events;
            Assert.Equal(RecordedEventKind.ConfigChanged, events[0].Kind);
            Assert.Equal(RecordedEventKind.ScanComplete, events[^1].Kind);
            Assert.Equal(["05.0004", "05.0005"], events.Where(e => e.Kind == RecordedEventKind.QueueProbed).Select(e => e.Apqn.ToString()));
            Assert.Single(host.Recorder.UpdatesAt(RecordedEventKind.ScanComplete));
            Assert.Equal(1, host.Updates());
            Assert.Equal(Masks("4-5", "4", "4"), host.Apcb());
        }

        [Fact]
        public void Case3_two_adapters_and_two_domains_in_one_change_cost_one_update()
        {
            var host = Start(apm: "4").WithMdev("m", "4-6", "4-5", "4");
            Assert.Equal(Masks("4", "4-5", "4"), host.Apcb());

            host.Scan("4-6", "4-5", "4");

            var probes = host.Recorder.Events.Where(e => e.Kind == RecordedEventKind.QueueProbed).ToList();
            Assert.Equal(["05.0004", "05.0005", "06.0004", "06.0005"], probes.Select(e => e.Apqn.ToString()));
            Assert.All(probes, probe => Assert.Empty(probe.Updates));
            Assert.Equal(1, host.Updates());
            Assert.Equal(Masks("4-6", "4-5", "4"), host.Apcb());
        }

        [Fact]
        public void Case4_a_new_domain_is_plugged_once_after_its_queues_are_probed()
        {
            var host = Start(aqm: "4").WithMdev("m", "4-5", "4-5", "4");
            Assert.Equal(Masks("4-5", "4", "4"), host.Apcb());

            host.Scan("4-5", "4-5", "4");

            Assert.Equal(["04.0005", "05.0005"],
                host.Recorder.Events.Where(e => e.Kind == RecordedEventKind.QueueProbed).Select(e => e.Apqn.ToString()));
            Assert.Empty(host.Recorder.UpdatesAt(RecordedEventKind.QueueProbed));
            Assert.Equal(1, host.Updates());
            Assert.Equal(Masks("4-5", "4-5", "4"), host.Apcb());
        }

        [Fact]
        public void Case9_an_over_provisioned_adapter_is_plugged_when_it_arrives()
        {
            var host = Start(apm: "4").WithMdev("m", "4,7", "4", "4");
            Assert.Equal(Masks("4", "4", "4"), host.Apcb());
            Assert.Equal(0, host.Updates());

            host.Scan("4,7", "4-5", "4");

            Assert.Equal(1, host.Updates());
            Assert.Equal(Masks("4,7", "4", "4"), host.Apcb());
        }

        [Fact]
        public void Case12_deferral_covers_other_queues_of_the_same_mdev()
        {
            var host = Start(withoutDevice: "05.0004").WithMdev("m", "4-5,7", "4", "4");
            Assert.Equal(Masks("4", "4", "4"), host.Apcb());

            host.Scan("4-5,7", "4-5", "4");

            var probes = host.Recorder.Events.Where(e => e.Kind == RecordedEventKind.QueueProbed).ToList();
            Assert.Equal(["05.0004", "07.0004", "07.0005"], probes.Select(e => e.Apqn.ToString()));
            Assert.All(probes, probe => Assert.Empty(probe.Updates));
            Assert.Single(host.Recorder.UpdatesAt(RecordedEventKind.ScanComplete));
            Assert.Equal(1, host.Updates());
            Assert.Equal(Masks("4-5,7", "4", "4"), host.Apcb());
        }

        [Fact]
        public void Case13_a_probe_outside_a_config_change_plugs_at_once()
        {
            var host = Start(withoutDevice: "05.0004").WithMdev("m", "4-5", "4", "4");
            Assert.Equal(Masks("4", "4", "4"), host.Apcb());

            host.Rescan();

            var probe = Assert.Single(host.Recorder.Events);
            Assert.Equal(RecordedEventKind.QueueProbed, probe.Kind);
            Assert.Equal("05.0004", probe.Apqn.ToString());
            Assert.Single(probe.Updates);
            Assert.Equal(Masks("4-5", "4", "4"), host.Apcb());
        }
    }

    public class WhenTheHostRemovesResources
    {
        [Fact]
        public void Case5_a_removed_adapter_is_unplugged_at_config_changed_before_its_queues_go()
        {
            var host = Start().WithMdev("m", "4-5", "4", "4");
            Assert.Equal(Masks("4-5", "4", "4"), host.Apcb());

            host.Scan("4", "4-5", "4");

            var events = host.Recorder.Events;
            Assert.Equal(RecordedEventKind.ConfigChanged, events[0].Kind);
            Assert.Equal(Masks("4", "4", "4"), Assert.Single(events[0].Updates).Apcb);
            Assert.Equal(["05.0004", "05.0005"], events.Where(e => e.Kind == RecordedEventKind.QueueRemoved).Select(e => e.Apqn.ToString()));
            Assert.All(events.Skip(1), e => Assert.Empty(e.Updates));
            Assert.Equal(1, host.Updates());
            Assert.Equal(["04.0004"], SysfsText.MatrixLines(host.Mdev().Shadow.Apm, host.Mdev().Shadow.Aqm));
            Assert.Equal(["04.0004", "05.0004"], SysfsText.MatrixLines(host.Mdev().Assigned.Apm, host.Mdev().Assigned.Aqm));
            Assert.False(host.Engine.IsBound(Apqn.Parse("05.0004")));
        }

        [Fact]
        public void Case6_a_removed_domain_is_unplugged_once()
        {
            var host = Start().WithMdev("m", "4-5", "4-5", "4");

            host.Scan("4-5", "5", "4");

            Assert.Single(host.Recorder.UpdatesAt(RecordedEventKind.ConfigChanged));
            Assert.Empty(host.Recorder.UpdatesAt(RecordedEventKind.QueueRemoved));
            Assert.Equal(1, host.Updates());
            Assert.Equal(Masks("4-5", "5", "4"), host.Apcb());
        }

        [Fact]
        public void Case7_removing_the_only_adapter_empties_the_guest()
        {
            var host = Start().WithMdev("m", "5", "4", "4");
            Assert.Equal(Masks("5", "4", "4"), host.Apcb());

            host.Scan("4", "4-5", "4");

            Assert.Equal(1, host.Updates());
            Assert.Equal(Masks("", "4", "4"), host.Apcb());
        }

        [Fact]
        public void Case8_a_mixed_change_unplugs_at_config_changed_and_plugs_at_scan_complete()
        {
            var host = Start().WithMdev("m", "4-6", "4", "4");
            Assert.Equal(Masks("4-5", "4", "4"), host.Apcb());

            host.Scan("5-6", "4-5", "4");

            var configChanged = host.Recorder.Events[0];
            Assert.Equal(Masks("5", "4", "4"), Assert.Single(configChanged.Updates).Apcb);
            Assert.Equal(Ids("6"), configChanged.After.Single().Added.Apm);
            Assert.Empty(host.Recorder.UpdatesAt(RecordedEventKind.QueueRemoved));
            Assert.Empty(host.Recorder.UpdatesAt(RecordedEventKind.QueueProbed));
            Assert.Equal(Masks("5-6", "4", "4"), Assert.Single(host.Recorder.UpdatesAt(RecordedEventKind.ScanComplete)).Apcb);
            Assert.Equal(2, host.Updates());
        }

        [Fact]
        public void Case20_a_control_domain_leaving_the_host_is_unplugged()
        {
            var host = Start().WithMdev("m", "4-5", "4", "4");

            host.Scan("4-5", "4-5", "");

            Assert.Equal(1, host.Updates());
            Assert.Equal(Masks("4-5", "4", ""), host.Apcb());
        }
    }

    public class WhenQueuesAreUnboundAndRebound
    {
        [Fact]
        public void Case10_an_unbound_queue_takes_its_adapter_out_of_the_guest()
        {
            var host = Start().WithMdev("m", "4-5", "4-5", "4");

            host.Remove("05.0005");

            Assert.Equal(1, host.Updates());
            Assert.Equal(Masks("4", "4-5", "4"), host.Apcb());
            Assert.Equal(["04.0004", "04.0005"], SysfsText.MatrixLines(host.Mdev().Shadow.Apm, host.Mdev().Shadow.Aqm));
        }

        [Fact]
        public void Case11_rebinding_outside_a_config_change_plugs_the_adapter_at_once()
        {
            var host = Start().WithMdev("m", "4-5", "4-5", "4");
            host.Remove("05.0005");

            host.Probe("05.0005");

            Assert.Equal(2, host.Updates());
            Assert.Equal(Masks("4-5", "4-5", "4"), host.Apcb());
        }

        [Fact]
        public void Unbinding_a_queue_the_guest_does_not_have_costs_nothing()
        {
            var host = Start().WithMdev("m", "4", "4", "4");

            host.Remove("05.0005");
            host.Remove("04.0005");

            Assert.Equal(0, host.Updates());
            Assert.Equal(Masks("4", "4", "4"), host.Apcb());
        }
    }

    public class Assignments
    {
        [Fact]
        public void Case15_sharing_an_apqn_with_another_mdev_is_refused()
        {
            var host = Start().WithMdev("m1", "5", "4", "", "g1").WithMdev("m2", "", "4", "", "g2");
            Assert.Equal([".0004"], SysfsText.MatrixLines(host.Mdev("m2").Assigned.Apm, host.Mdev("m2").Assigned.Aqm));

            var error = host.Refused(MatrixErrorKind.InUse, () => host.Engine.AssignAdapter("m2", "5"));

            Assert.Contains("m1", error.Message);
            Assert.Equal([".0004"], SysfsText.MatrixLines(host.Mdev("m2").Assigned.Apm, host.Mdev("m2").Assigned.Aqm));
            Assert.Equal(0, host.Updates("g1"));
            Assert.Equal(0, host.Updates("g2"));
        }

        [Fact]
        public void Case16_the_reservation_check_is_on_the_cross_product()
        {
            var host = Start(permissions: new ApPermissions(Bitmap256.All, Bitmap256.All));
            host.Engine.CreateMdev("m");

            Assert.Empty(host.UpdatesOf(e => e.AssignAdapter("m", "5")));
            Assert.Equal(["05."], SysfsText.MatrixLines(host.Mdev().Assigned.Apm, host.Mdev().Assigned.Aqm));

            host.Refused(MatrixErrorKind.Reserved, () => host.Engine.AssignDomain("m", "4"));
            Assert.Equal(["05."], SysfsText.MatrixLines(host.Mdev().Assigned.Apm, host.Mdev().Assigned.Aqm));
        }

        [Fact]
        public void An_mdev_made_before_the_host_s_maxima_were_known_takes_them_when_they_come()
        {
            var host = Start();
            host.Engine.CreateMdev("m");
            host.Engine.AssignAdapter("m", "200");

            host.Bus.ChangeConfig(host.Bus.Config with { MaxAdapter = 15, MaxDomain = 15 }, host.Recorder);

            Assert.Equal((15, 15), (host.Mdev().MaxAdapter, host.Mdev().MaxDomain));
            host.Refused(MatrixErrorKind.OutOfRange, () => host.Engine.AssignAdapter("m", "100"));
            host.Refused(MatrixErrorKind.OutOfRange, () => host.Engine.AssignDomain("m", "16"));
            // What was assigned stays the administrator's; no queue above the maxima exists to plug.
            Assert.Equal(Ids("200"), host.Mdev().Assigned.Apm);
        }

        [Fact]
        public void A_matrix_with_ids_above_the_maxima_in_several_masks_is_refused_naming_each_mask_and_every_id()
        {
            var host = Start();
            host.Bus.ChangeConfig(host.Bus.Config with { MaxAdapter = 15, MaxDomain = 15 }, host.Recorder);
            host.Engine.CreateMdev("m");

            var refused = host.Refused(MatrixErrorKind.OutOfRange, () => host.Engine.SetMatrix("m", Masks("4,99,120-121", "4", "3,20")));

            Assert.Equal("apm", refused.Field);
            Assert.Equal(["apm", "adm"], refused.Errors!.Keys);
            Assert.Equal(["adapter ids 99,120-121 are above the host's maximum 15"], refused.Errors["apm"]);
            Assert.Equal(["control domain id 20 is above the host's maximum 15"], refused.Errors["adm"]);
            Assert.Equal("adapter ids 99,120-121 are above the host's maximum 15; control domain id 20 is above the host's maximum 15", refused.Message);
            Assert.True(host.Mdev().Assigned.Apm.IsEmpty);
        }

        [Fact]
        public void Ids_an_mdev_was_given_above_maxima_that_came_later_stay_removable()
        {
            var host = Start();
            host.Engine.CreateMdev("m");
            host.Engine.SetMatrix("m", Masks("4,200", "4,100", "100"));
            host.Bus.ChangeConfig(host.Bus.Config with { MaxAdapter = 15, MaxDomain = 15 }, host.Recorder);

            // The matrix as read back writes again; a new id above the maxima does not.
            host.Engine.SetMatrix("m", Masks("4,200", "4,100", "100"));
            Assert.Equal("apm", host.Refused(MatrixErrorKind.OutOfRange, () => host.Engine.SetMatrix("m", Masks("4,200,201", "4,100", "100"))).Field);
            Assert.Equal("aqm", host.Refused(MatrixErrorKind.OutOfRange, () => host.Engine.SetMatrix("m", Masks("4,200", "4,100,101", "100"))).Field);
            Assert.Equal("adm", host.Refused(MatrixErrorKind.OutOfRange, () => host.Engine.SetMatrix("m", Masks("4,200", "4,100", "100,101"))).Field);
            host.Engine.UnassignAdapter("m", "200");
            host.Engine.UnassignDomain("m", "100");
            host.Engine.UnassignControlDomain("m", "100");
            host.Refused(MatrixErrorKind.OutOfRange, () => host.Engine.UnassignAdapter("m", "200"));

            Assert.Equal(Masks("4", "4", ""), host.Mdev().Assigned);
        }

        [Fact]
        public void A_second_mdev_of_one_name_is_refused_as_existing()
        {
            var host = Start().WithMdev("m", "4", "4");

            host.Refused(MatrixErrorKind.Exists, () => host.Engine.CreateMdev("m"));
            Assert.Equal(Ids("4"), host.Mdev().Assigned.Apm);
        }

        /// <summary>
        /// The bus scanned adapters 0 and 2 with domains 1-2, and the probe of 02.0002 was lost; the next scan took domain 2
        /// away. The reconcile's first scan complete ran while 02.0002 was missing and dropped adapter 2; nothing filtered
        /// it again, though 02.0001, all that is left of it in the configuration, is bound.
        /// </summary>
        [Fact]
        public void A_reconcile_plugs_back_an_adapter_a_lost_probe_kept_out()
        {
            TestHost Build() => Start(apm: "", aqm: "", adm: "").WithMdev("m", "0,2", "1-2");
            var (full, lost) = (Build(), Build());
            foreach (var host in new[] { full, lost })
            {
                host.ChangeConfig("0,2", "1-2", "");
                foreach (var apqn in new[] { "00.0001", "00.0002", "02.0001" }) host.Probe(apqn);
            }
            full.Probe("02.0002");
            full.CompleteScan();
            full.Scan("0,2", "1", "");

            lost.Engine.ClearUpdates();
            Assert.Equal(1, lost.Engine.ReconcileWith(Truth(full)));

            Assert.Equal(Masks("0,2", "1", ""), full.Apcb());
            Assert.Equal(Masks("0,2", "1", ""), lost.Apcb());
        }

        /// <summary>
        /// The engine lost a whole scan (adapter 5 added and plugged) and the config change of a window still open
        /// (adapter 6 added, to plug at its scan complete): the reconcile plugs 5 now and keeps only 6 for the window.
        /// </summary>
        [Fact]
        public void A_reconcile_inside_a_window_counts_its_additions_from_the_configuration_the_window_changed()
        {
            TestHost Build() => Start(apm: "4", aqm: "4", adm: "").WithMdev("m", "4-6", "4");
            var (full, lost) = (Build(), Build());
            full.Scan("4-5", "4", "");
            full.ChangeConfig("4-6", "4", "");

            lost.Engine.ReconcileWith(Truth(full));

            Assert.Equal((Masks("4-5", "4", ""), Ids("6")), (full.Mdev().Shadow, full.Mdev().Added.Apm));
            Assert.Equal((Masks("4-5", "4", ""), Ids("6")), (lost.Mdev().Shadow, lost.Mdev().Added.Apm));
            lost.StartCounting();
            Assert.Empty(lost.UpdatesOf(e => e.OnQueueProbed(Apqn.Parse("06.0004"))));
            Assert.Single(lost.UpdatesOf(e => e.OnScanComplete()));
            Assert.Equal(Masks("4-6", "4", ""), lost.Apcb());
        }

        /// <summary>
        /// Adapter 2 was left out while 02.0002 was gone, and no filter ran when domain 2 left too. The lost scan there and
        /// back plugged it again; the bus's configuration, masks and queues are as the engine has them, yet the guest lacked it.
        /// </summary>
        [Fact]
        public void A_reconcile_filters_afresh_though_the_lost_events_left_the_bus_as_it_was()
        {
            TestHost Build()
            {
                var host = Start(apm: "0,2", aqm: "1-2", adm: "").WithMdev("m", "0,2", "1-2");
                host.Remove("02.0002");
                host.Scan("0,2", "1", "");
                return host;
            }
            var (full, lost) = (Build(), Build());
            full.Scan("0,2", "1-2", "");
            full.Scan("0,2", "1", "");

            lost.Engine.ReconcileWith(Truth(full));

            Assert.Equal(Masks("0,2", "1", ""), full.Apcb());
            Assert.Equal(Masks("0,2", "1", ""), lost.Apcb());
        }

        /// <summary>The engine lost a scan away and a window back to its own configuration: the window's addition waits for its scan complete.</summary>
        [Fact]
        public void A_reconcile_opens_a_window_back_to_the_engine_s_configuration_again()
        {
            TestHost Build() => Start(apm: "4-5", aqm: "4", adm: "").WithMdev("m", "4-5", "4");
            var (full, lost) = (Build(), Build());
            full.Scan("4", "4", "");
            full.ChangeConfig("4-5", "4", "");

            lost.Engine.ReconcileWith(Truth(full));

            Assert.Equal((Ids("5"), Masks("4", "4", "")), (full.Mdev().Added.Apm, full.Apcb()));
            Assert.Equal((Ids("5"), Masks("4", "4", "")), (lost.Mdev().Added.Apm, lost.Apcb()));
            lost.StartCounting();
            Assert.Empty(lost.UpdatesOf(e => e.OnQueueProbed(Apqn.Parse("05.0004"))));
            Assert.Single(lost.UpdatesOf(e => e.OnScanComplete()));
        }

        /// <summary>
        /// A window the bus says VfioAp applied while VfioAp's configuration is not the window's (a stale record): the
        /// configuration wins and the window is opened again from its base, or the digests would never meet.
        /// </summary>
        [Fact]
        public void A_reconcile_reopens_a_window_said_applied_that_the_engine_s_configuration_denies()
        {
            TestHost Build() => Start(apm: "4", aqm: "4", adm: "").WithMdev("m", "4-5", "4");
            var (full, lost) = (Build(), Build());
            full.ChangeConfig("4-5", "4", "");

            lost.Engine.ReconcileWith(Truth(full, windowApplied: true));

            Assert.Equal((full.Engine.Host, full.Mdev().Added), (lost.Engine.Host, lost.Mdev().Added));
        }

        /// <summary>The bus as an engine that lost the events (an open window's config changed among them) reads it.</summary>
        static BusTruth Truth(TestHost host, bool windowApplied = false) =>
            new(host.Bus.Config, host.Bus.Permissions, host.Bus.Devices.ToArray(), host.Bus.ScanOpen, host.Bus.PreviousConfig, windowApplied);

        /// <summary>
        /// The engine applied the window's config changed, and adapter 5, which the window brought, was assigned and plugged
        /// inside it: a reconcile that finds nothing lost leaves both, where reopening the window from its base unplugged 5.
        /// </summary>
        [Fact]
        public void A_reconcile_keeps_a_window_the_engine_applied()
        {
            var host = Start(apm: "4", aqm: "4", adm: "").WithMdev("m", "4", "4");
            host.ChangeConfig("4-5", "4", "");
            host.Probe("05.0004");
            host.Engine.AssignAdapter("m", "5");
            var (shadow, added) = (host.Mdev().Shadow, host.Mdev().Added);
            host.Engine.ClearUpdates();

            Assert.Equal(0, host.Engine.ReconcileWith(Truth(host, windowApplied: true)));

            Assert.Equal((Masks("4-5", "4", ""), shadow, added), (host.Apcb(), host.Mdev().Shadow, host.Mdev().Added));
        }

        [Fact]
        public void A_reconcile_takes_the_bus_s_maxima_when_only_they_differ()
        {
            var host = Start();
            host.Engine.CreateMdev("m");
            var devices = Enumerable.Range(0, Bitmap256.Capacity).Select(host.Engine.BoundDomains).ToList();

            var bounded = host.Engine.Host with { MaxAdapter = 63, MaxDomain = 15 };
            var updated = host.Engine.ReconcileWith(new BusTruth(bounded, default, devices, ScanOpen: false, PreviousConfig: bounded));

            Assert.Equal(0, updated);
            Assert.Equal((63, 15), (host.Engine.Host.MaxAdapter, host.Engine.Host.MaxDomain));
            host.Refused(MatrixErrorKind.OutOfRange, () => host.Engine.AssignAdapter("m", "64"));
        }

        [Fact]
        public void Case18_ids_are_read_like_sysfs_and_bounded_by_the_host_maximum()
        {
            var host = Start(maxAdapter: 63, maxDomain: 15);
            host.Engine.CreateMdev("m");
            Assert.Equal(63, host.Mdev().MaxAdapter);
            Assert.Equal(15, host.Mdev().MaxDomain);

            host.Refused(MatrixErrorKind.OutOfRange, () => host.Engine.AssignAdapter("m", "64"));
            host.Engine.AssignAdapter("m", "0x3f");
            host.Refused(MatrixErrorKind.OutOfRange, () => host.Engine.AssignDomain("m", "16"));
            host.Refused(MatrixErrorKind.Invalid, () => host.Engine.AssignDomain("m", "abc"));
            host.Engine.AssignDomain("m", "010");

            Assert.Equal(Masks("63", "8", ""), host.Mdev().Assigned);
        }

        [Theory]
        [InlineData("abc", MatrixErrorKind.Invalid)]
        [InlineData("", MatrixErrorKind.Invalid)]
        [InlineData("-1", MatrixErrorKind.Invalid)]
        [InlineData("08", MatrixErrorKind.Invalid)]
        [InlineData("256", MatrixErrorKind.OutOfRange)]
        [InlineData("99999999999999999999999", MatrixErrorKind.OutOfRange)]
        public void Malformed_or_impossible_ids_are_refused_by_every_assignment(string id, MatrixErrorKind kind)
        {
            var host = Start().WithMdev("m", "4", "4", "4");

            Action<VfioApEngine>[] assignments =
            [
                e => e.AssignAdapter("m", id), e => e.AssignDomain("m", id), e => e.AssignControlDomain("m", id),
                e => e.UnassignAdapter("m", id), e => e.UnassignDomain("m", id), e => e.UnassignControlDomain("m", id),
            ];
            foreach (var assignment in assignments)
                Assert.Equal("id", host.Refused(kind, () => assignment(host.Engine)).Field);
        }

        [Fact]
        public void An_id_too_large_for_the_machine_is_refused_as_written()
        {
            var host = Start().WithMdev("m", "4", "4", "4");

            var refusal = host.Refused(MatrixErrorKind.OutOfRange, () => host.Engine.AssignAdapter("m", "99999999999999999999999"));

            Assert.Equal("'99999999999999999999999' is out of range", refusal.Message);
        }

        [Fact]
        public void Case18_assigning_what_is_already_assigned_succeeds_with_no_update()
        {
            var host = Start().WithMdev("m", "4-5", "4", "4");
            var before = EngineText.Of(host.Engine);

            Assert.Empty(host.UpdatesOf(e => e.AssignAdapter("m", "4")));
            Assert.Empty(host.UpdatesOf(e => e.AssignDomain("m", "0x4")));
            Assert.Empty(host.UpdatesOf(e => e.AssignControlDomain("m", "04")));
            Assert.Empty(host.UpdatesOf(e => e.UnassignAdapter("m", "7")));

            Assert.Equal(before, EngineText.Of(host.Engine));
            Assert.Equal(0, host.Updates());
        }

        [Fact]
        public void Case21_a_guest_can_hold_adapters_without_domains()
        {
            var host = Start().WithMdev("m", "", "", "");

            Assert.Single(host.UpdatesOf(e => e.AssignAdapter("m", "5")));
            Assert.Equal(Masks("5", "", ""), host.Apcb());
            Assert.Single(host.UpdatesOf(e => e.AssignDomain("m", "4")));
            Assert.Equal(Masks("5", "4", ""), host.Apcb());
            Assert.Single(host.UpdatesOf(e => e.UnassignDomain("m", "4")));
            Assert.Equal(Masks("5", "", ""), host.Apcb());
            Assert.Equal(3, host.Updates());
        }

        [Fact]
        public void Case22_unassigning_does_not_readmit_a_filtered_adapter_but_a_later_assignment_does()
        {
            var host = Start().WithMdev("m", "4-5", "4-5", "4");
            host.Remove("05.0005");
            Assert.Equal(Masks("4", "4-5", "4"), host.Apcb());
            host.StartCounting();

            Assert.Single(host.UpdatesOf(e => e.UnassignDomain("m", "5")));
            Assert.Equal(Masks("4", "4", "4"), host.Apcb());
            Assert.Empty(host.UpdatesOf(e => e.AssignControlDomain("m", "7")));
            Assert.Equal(Masks("4", "4", "4"), host.Apcb());

            Assert.Single(host.UpdatesOf(e => e.AssignAdapter("m", "6")));
            Assert.Equal(Masks("4-5", "4", "4"), host.Apcb());
            Assert.Equal(2, host.Updates());
        }

        [Fact]
        public void Case22_a_later_domain_assignment_also_readmits_the_adapter()
        {
            var host = Start().WithMdev("m", "4-5", "4-5", "4");
            host.Remove("05.0005");
            host.Engine.UnassignDomain("m", "5");
            host.StartCounting();

            Assert.Single(host.UpdatesOf(e => e.AssignDomain("m", "6")));

            Assert.Equal(Masks("4-5", "4", "4"), host.Apcb());
        }

        [Fact]
        public void Unassigning_an_adapter_the_guest_has_unplugs_it_once()
        {
            var host = Start().WithMdev("m", "4-5", "4-5", "4");

            var updates = host.UpdatesOf(e => e.UnassignAdapter("m", "5"));

            Assert.Equal(Masks("4", "4-5", "4"), Assert.Single(updates).Apcb);
            Assert.Equal(Masks("4", "4-5", "4"), host.Mdev().Assigned);
        }

        [Fact]
        public void Requests_for_an_unknown_mdev_are_not_found()
        {
            var host = Start().WithMdev("m", "4", "4", "4");

            host.Refused(MatrixErrorKind.NotFound, () => host.Engine.AssignAdapter("nope", "5"));
            host.Refused(MatrixErrorKind.NotFound, () => host.Engine.UnassignDomain("nope", "4"));
            host.Refused(MatrixErrorKind.NotFound, () => host.Engine.Attach("nope", "g2"));
            host.Refused(MatrixErrorKind.NotFound, () => host.Engine.Detach("nope"));
        }

        [Fact]
        public void A_removed_mdev_releases_its_apqns_to_other_mdevs()
        {
            var host = Start().WithMdev("m1", "5", "4", "", guest: null).WithMdev("m2", "", "4", "", "g2");
            host.Refused(MatrixErrorKind.InUse, () => host.Engine.AssignAdapter("m2", "5"));

            host.Engine.RemoveMdev("m1");

            Assert.Single(host.UpdatesOf(e => e.AssignAdapter("m2", "5")));
            Assert.Equal(Masks("5", "4", ""), host.Apcb("g2"));
        }
    }

    public class ControlDomains
    {
        [Fact]
        public void Case19_control_domains_follow_the_host_and_the_administrator()
        {
            var host = Start().WithMdev("m", "4-5", "4", "4");

            Assert.Empty(host.UpdatesOf(e => e.AssignControlDomain("m", "0x10")));
            Assert.Equal(Ids("4,16"), host.Mdev().Assigned.Adm);
            Assert.Equal(Ids("4"), host.Mdev().Shadow.Adm);

            host.Scan("4-5", "4-5", "4,16");
            Assert.DoesNotContain(host.Recorder.Events, e => e.Kind is RecordedEventKind.QueueProbed or RecordedEventKind.QueueRemoved);
            Assert.Single(host.Recorder.UpdatesAt(RecordedEventKind.ScanComplete));
            Assert.Equal(Masks("4-5", "4", "4,16"), host.Apcb());

            Assert.Single(host.UpdatesOf(e => e.UnassignControlDomain("m", "4")));
            Assert.Equal(Masks("4-5", "4", "16"), host.Apcb());
            Assert.Equal(2, host.Updates());
        }

        [Fact]
        public void Control_domains_may_be_shared_and_are_not_reserved()
        {
            var host = Start(permissions: new ApPermissions(Bitmap256.All, Bitmap256.All))
                .WithMdev("m1", "", "", "4", "g1").WithMdev("m2", "", "", "4", "g2");

            Assert.Equal(Masks("", "", "4"), host.Apcb("g1"));
            Assert.Equal(Masks("", "", "4"), host.Apcb("g2"));
        }
    }

    public class MaskEdits
    {
        static readonly ApPermissions Fixture = new(Bitmap256.All.AndNot(Ids("4-7")), Bitmap256.All);

        [Fact]
        public void Case17_reserving_an_assigned_apqn_is_vetoed_until_it_is_unassigned()
        {
            var host = Start(permissions: Fixture).WithMdev("m", "5", "4", "4");
            var plus5 = Fixture with { Apmask = Fixture.Apmask.With(5) };
            var apqn = Apqn.Parse("05.0004");
            Assert.True(host.Engine.IsBound(apqn));

            var error = host.Refused(MatrixErrorKind.Busy, () => host.SetMasks(plus5));
            Assert.Contains("05.0004", error.Message);
            Assert.Equal(Fixture, host.Bus.Permissions);
            Assert.Equal(Fixture, host.Engine.Permissions);

            host.Engine.UnassignAdapter("m", "5");
            host.SetMasks(plus5);

            Assert.Equal(plus5, host.Engine.Permissions);
            Assert.False(host.Engine.IsBound(apqn));
            Assert.Equal(QueueDriver.Default, host.Bus.DriverOf(apqn));
            Assert.Contains(host.Recorder.Events, e => e.Kind == RecordedEventKind.QueueRemoved && e.Apqn == apqn && e.Driver == QueueDriver.VfioAp);
            Assert.Contains(host.Recorder.Events, e => e.Kind == RecordedEventKind.QueueProbed && e.Apqn == apqn && e.Driver == QueueDriver.Default);
        }

        [Fact]
        public void Releasing_queues_from_the_host_lets_the_guest_have_them()
        {
            var reserved = new ApPermissions(Ids("5"), Ids("5"));
            var host = Start(permissions: reserved).WithMdev("m", "4-5", "4", "4");
            Assert.Equal(Masks("4-5", "4", "4"), host.Apcb());
            host.Refused(MatrixErrorKind.Reserved, () => host.Engine.AssignDomain("m", "5"));

            host.SetMasks(ApPermissions.None);
            Assert.True(host.Engine.IsBound(Apqn.Parse("05.0005")));
            Assert.Single(host.UpdatesOf(e => e.AssignDomain("m", "5")));

            Assert.Equal(Masks("4-5", "4-5", "4"), host.Apcb());
        }
    }

    public class OneShotApConfig
    {
        static ApMatrix Write(string text)
        {
            var fields = text.TrimEnd('\n').Split(',');
            return new ApMatrix(Bitmap256.ParseMsb0Hex(fields[0]), Bitmap256.ParseMsb0Hex(fields[1]), Bitmap256.ParseMsb0Hex(fields[2]));
        }

        [Fact]
        public void Case23_unplugs_removed_adapters_then_plugs_the_filtered_new_matrix()
        {
            var host = Start(apm: "4-6").WithMdev("m", "4-5", "4", "4");
            Assert.Equal(Masks("4-5", "4", "4"), host.Apcb());

            var updates = host.UpdatesOf(e => e.SetMatrix("m", Write("0x06,0x0c,0x08\n")));

            Assert.Equal([Masks("5", "4", "4"), Masks("5-6", "4-5", "4")], updates.Select(u => u.Apcb));
            Assert.Equal(Masks("5-6", "4-5", "4"), host.Mdev().Assigned);
            Assert.Equal(Masks("5-6", "4-5", "4"), host.Apcb());
        }

        [Fact]
        public void Removed_domains_are_unplugged_with_the_old_matrix_in_place()
        {
            var host = Start().WithMdev("m", "4-5", "4-5", "4");

            var updates = host.UpdatesOf(e => e.SetMatrix("m", Masks("4-5", "4", "4")));

            Assert.Equal(Masks("4-5", "4", "4"), Assert.Single(updates).Apcb);
        }

        [Fact]
        public void Removing_a_domain_and_adding_an_adapter_costs_two_updates()
        {
            var host = Start().WithMdev("m", "4", "4-5", "4");

            var updates = host.UpdatesOf(e => e.SetMatrix("m", Masks("4-5", "4", "4")));

            Assert.Equal([Masks("4", "4", "4"), Masks("4-5", "4", "4")], updates.Select(u => u.Apcb));
        }

        [Fact]
        public void Case23_a_reserved_apqn_refuses_the_whole_write()
        {
            var host = Start(apm: "4-6", permissions: new ApPermissions(Ids("6"), Ids("5"))).WithMdev("m", "4-5", "4", "4");

            host.Refused(MatrixErrorKind.Reserved, () => host.Engine.SetMatrix("m", Write("0x06,0x0c,0x08\n")));

            Assert.Equal(0, host.Updates());
        }

        [Fact]
        public void Case23_an_id_above_the_maximum_refuses_the_whole_write()
        {
            var host = Start(maxAdapter: 63, maxDomain: 15).WithMdev("m", "4-5", "4", "4");

            host.Refused(MatrixErrorKind.OutOfRange, () => host.Engine.SetMatrix("m", Masks("5,64", "4", "4")));
            host.Refused(MatrixErrorKind.OutOfRange, () => host.Engine.SetMatrix("m", Masks("5", "16", "4")));
            host.Refused(MatrixErrorKind.OutOfRange, () => host.Engine.SetMatrix("m", Masks("5", "4", "16")));
        }

        [Fact]
        public void Case23_a_reserved_apqn_is_refused_before_an_id_above_the_maximum()
        {
            var host = Start(maxAdapter: 63, maxDomain: 15, permissions: new ApPermissions(Ids("6"), Ids("4")))
                .WithMdev("m", "5", "4", "");

            host.Refused(MatrixErrorKind.Reserved, () => host.Engine.SetMatrix("m", Masks("6,64", "4", "")));
            Assert.Equal(0, host.Updates());
        }

        [Fact]
        public void A_write_sharing_an_apqn_with_another_mdev_is_refused()
        {
            var host = Start(apm: "4-6").WithMdev("m", "4-5", "4", "4").WithMdev("other", "6", "4", "", "g2");

            host.Refused(MatrixErrorKind.InUse, () => host.Engine.SetMatrix("m", Write("0x06,0x0c,0x08")));
        }
    }

    public class GuestsAndMdevs
    {
        [Fact]
        public void Case24_a_guest_holds_one_mdev_only()
        {
            var host = Start().WithMdev("m1", "4", "4", "4", "g").WithMdev("m2", "5", "5", "", guest: null);

            host.Refused(MatrixErrorKind.NotPermitted, () => host.Engine.Attach("m2", "g"));

            Assert.Equal(Masks("4", "4", "4"), host.Apcb());
            Assert.Null(host.Mdev("m2").Guest);
        }

        [Fact]
        public void An_mdev_serves_one_guest_only()
        {
            var host = Start().WithMdev("m", "4", "4", "4", "g1");
            var before = EngineText.Of(host.Engine);

            Assert.Throws<MatrixException>(() => host.Engine.Attach("m", "g2"));

            Assert.Equal(before, EngineText.Of(host.Engine));
            Assert.Equal("g1", host.Mdev().Guest);
        }

        [Fact]
        public void Case25_detach_clears_the_guest_edits_change_the_shadow_only_and_reattach_sends_it()
        {
            var host = Start().WithMdev("m", "4-5", "4", "4");

            Assert.Equal(ApMatrix.Empty, Assert.Single(host.UpdatesOf(e => e.Detach("m"))).Apcb);
            Assert.Equal(ApMatrix.Empty, host.Apcb());
            Assert.Equal(Masks("4-5", "4", "4"), host.Mdev().Shadow);

            Assert.Empty(host.UpdatesOf(e => e.AssignDomain("m", "5")));
            Assert.Empty(host.UpdatesOf(e => e.UnassignAdapter("m", "4")));
            Assert.Equal(Masks("5", "4-5", "4"), host.Mdev().Shadow);
            Assert.Equal(ApMatrix.Empty, host.Apcb());
            Assert.Equal(1, host.Updates());

            Assert.Single(host.UpdatesOf(e => e.Attach("m", "g")));
            Assert.Equal(Masks("5", "4-5", "4"), host.Apcb());
            Assert.Equal(2, host.Updates());
        }

        [Fact]
        public void After_detach_the_guest_may_take_another_mdev()
        {
            var host = Start().WithMdev("m1", "4", "4", "4", "g").WithMdev("m2", "5", "5", "", guest: null);
            host.Engine.Detach("m1");

            host.Engine.Attach("m2", "g");

            Assert.Equal(Masks("5", "5", ""), host.Apcb());
            Assert.Equal(2, host.Updates());
        }
    }

    /// <summary>Per-queue mode: no deferral, no bulk unplug, scan complete does nothing.</summary>
    public class InPerQueueMode
    {
        [Fact]
        public void An_added_adapter_is_plugged_by_its_probe()
        {
            var host = Start(apm: "4", mode: HotPlugMode.PerQueue).WithMdev("m", "4-5", "4", "4");

            host.Scan("4-5", "4-5", "4");

            Assert.Empty(host.Recorder.UpdatesAt(RecordedEventKind.ConfigChanged));
            Assert.Empty(host.Recorder.UpdatesAt(RecordedEventKind.ScanComplete));
            var plug = Assert.Single(host.Recorder.UpdatesAt(RecordedEventKind.QueueProbed));
            Assert.Equal(Masks("4-5", "4", "4"), plug.Apcb);
            Assert.All(host.Recorder.Events, e => Assert.All(e.After, m => Assert.True(m.Added.IsEmpty)));
        }

        [Fact]
        public void A_domain_added_across_four_adapters_costs_four_updates()
        {
            var host = Start(apm: "0-3", aqm: "0", adm: "", mode: HotPlugMode.PerQueue).WithMdev("m", "0-3", "0-1", "");
            Assert.Equal(Masks("0-3", "0", ""), host.Apcb());

            host.Scan("0-3", "0-1", "");

            Assert.Equal(4, host.Updates());
            Assert.Equal(Masks("0-3", "0-1", ""), host.Apcb());
        }

        [Fact]
        public void A_removed_adapter_is_unplugged_by_the_removal_of_its_first_queue()
        {
            var host = Start(mode: HotPlugMode.PerQueue).WithMdev("m", "4-5", "4", "4");

            host.Scan("4", "4-5", "4");

            Assert.Empty(host.Recorder.UpdatesAt(RecordedEventKind.ConfigChanged));
            var removals = host.Recorder.Events.Where(e => e.Kind == RecordedEventKind.QueueRemoved).ToList();
            Assert.Equal("05.0004", removals[0].Apqn.ToString());
            Assert.Single(removals[0].Updates);
            Assert.All(removals.Skip(1), e => Assert.Empty(e.Updates));
            Assert.Equal(Masks("4", "4", "4"), host.Apcb());
        }

        [Fact]
        public void A_removed_domain_unplugs_adapter_by_adapter()
        {
            var host = Start(mode: HotPlugMode.PerQueue).WithMdev("m", "4-5", "4-5", "4");

            host.Scan("4-5", "5", "4");

            Assert.Empty(host.Recorder.UpdatesAt(RecordedEventKind.ConfigChanged));
            Assert.Equal(2, host.Recorder.UpdatesAt(RecordedEventKind.QueueRemoved).Count());
            Assert.Equal(Ids(""), host.Apcb().Apm);
        }

        [Fact]
        public void Config_changed_and_scan_complete_only_record_the_host()
        {
            var host = Start(apm: "4", mode: HotPlugMode.PerQueue).WithMdev("m", "4-5", "4", "4");

            host.ChangeConfig("4-5", "4-5", "4");
            Assert.Equal(Ids("4-5"), host.Engine.Host.Apm);
            Assert.True(host.Mdev().Added.IsEmpty);
            host.CompleteScan();
            Assert.Equal(0, host.Updates());
            Assert.Equal(Masks("4", "4", "4"), host.Apcb());

            host.Probe("05.0004");
            Assert.Equal(1, host.Updates());
            Assert.Equal(Masks("4-5", "4", "4"), host.Apcb());
        }
    }

    public class CaptureAndRestore
    {
        /// <summary>Two attached mdevs, a detached one, a removed one, reserved queues and an open config-change window.</summary>
        static TestHost RichHost()
        {
            var host = Start(apm: "0-5", aqm: "0-5", adm: "0-3", permissions: new ApPermissions(Ids("0"), Ids("0-1")))
                .WithMdev("gone", "3", "3", "", guest: null)
                .WithMdev("m1", "1-2", "2-3", "1", "g1")
                .WithMdev("m2", "4-5,7", "4", "2", "g2")
                .WithMdev("m3", "0", "5", "3", "g3");
            host.Engine.RemoveMdev("gone");
            host.Engine.Detach("m3");
            host.Remove("02.0003");
            host.ChangeConfig("0-5,7", "0-5", "0-3");
            Assert.False(host.Mdev("m2").Added.IsEmpty);
            return host;
        }

        static (HostBus Bus, VfioApEngine Engine) Copy(TestHost host) =>
            (new HostBus(host.Bus.Config, host.Bus.Permissions, host.Bus.Devices.ToArray(), host.Bus.PreviousConfig, host.Bus.ScanOpen),
                VfioApEngine.Restore(host.Engine.Capture()));

        [Fact]
        public void A_restored_engine_captures_the_same_state()
        {
            var host = RichHost();

            var restored = VfioApEngine.Restore(host.Engine.Capture());

            Assert.Equal(EngineText.Of(host.Engine), EngineText.Of(restored));
            Assert.Equal(host.Engine.Mdevs.Select(m => m.Name), restored.Mdevs.Select(m => m.Name));
            Assert.Equal("m1", restored.FindGuest("g1")?.Mdev);
            Assert.Null(restored.FindGuest("g3")?.Mdev);
        }

        [Fact]
        public void A_restored_engine_behaves_like_the_original()
        {
            var host = RichHost();
            var (bus, engine) = Copy(host);
            var original = (host.Bus, host.Engine);

            var script = new List<(string Name, Action<HostBus, VfioApEngine> Run)>
            {
                ("probe 07.0004", (b, e) => b.Probe(Apqn.Parse("07.0004"), e)),
                ("scan complete", (b, e) => b.CompleteScan(e)),
                ("rebind 02.0003", (b, e) => b.Probe(Apqn.Parse("02.0003"), e)),
                ("unbind 01.0002", (b, e) => b.Remove(Apqn.Parse("01.0002"), e)),
                ("assign domain 3 to m3", (b, e) => e.AssignDomain("m3", "3")),
                ("assign reserved domain 0 to m3", (b, e) => e.AssignDomain("m3", "0")),
                ("attach m3 to g3", (b, e) => e.Attach("m3", "g3")),
                ("unassign adapter 4 from m2", (b, e) => e.UnassignAdapter("m2", "4")),
                ("release queues", (b, e) => { e.EnsurePermissionsAllowed(ApPermissions.None); b.SetPermissions(ApPermissions.None, e); }),
                ("assign domain 0 to m2", (b, e) => e.AssignDomain("m2", "0")),
                ("host drops adapter 5 and domain 2", (b, e) => b.Scan(b.Config with { Apm = Ids("0-4,7"), Aqm = Ids("0-1,3-5") }, e)),
                ("host brings them back", (b, e) => b.Scan(b.Config with { Apm = Ids("0-5,7"), Aqm = Ids("0-5") }, e)),
                ("move m1 to g3", (b, e) => { e.Detach("m3"); e.Detach("m1"); e.Attach("m1", "g3"); }),
            };

            foreach (var (name, run) in script)
            {
                host.Engine.ClearUpdates();
                engine.ClearUpdates();
                var originalError = Record.Exception(() => run(original.Bus, original.Engine));
                var restoredError = Record.Exception(() => run(bus, engine));
                Assert.True(originalError is null or MatrixException, $"{name}: {originalError}");
                Assert.Equal((originalError as MatrixException)?.Kind, (restoredError as MatrixException)?.Kind);
                Assert.True(EngineText.Of(original.Engine) == EngineText.Of(engine), $"after {name}:\n{EngineText.Of(original.Engine)}\nvs restored:\n{EngineText.Of(engine)}");
                Assert.Equal(original.Engine.PendingUpdates.ToArray(), engine.PendingUpdates.ToArray());
            }
        }

        [Fact]
        public void A_small_host_restores_without_a_table_of_every_APQN()
        {
            var state = RichHost().Engine.Capture();
            VfioApEngine.Restore(state);

            var before = GC.GetAllocatedBytesForCurrentThread();
            VfioApEngine.Restore(state);
            var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

            // A table of all 65,536 APQNs alone is 128 KB; these mdevs own queues of six adapters.
            Assert.InRange(allocated, 1, 32 * 1024);
        }

        [Fact]
        public void Restore_refuses_a_state_without_a_row_per_adapter()
        {
            var state = Start().Engine.Capture() with { BoundQueues = [] };

            Assert.Throws<ArgumentException>(() => VfioApEngine.Restore(state));
        }
    }
}
