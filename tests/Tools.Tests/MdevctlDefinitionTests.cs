using Apmatrix.ApModel;
using Apmatrix.Apctl.Mdevctl;

namespace Apmatrix.Tools.Tests;

/// <summary>mdevctl's JSON for a vfio_ap mdev, read whole (every fault at once) and written back in the same form.</summary>
public sealed class MdevctlDefinitionTests
{
    static MdevctlDefinition? Read(string json, out List<MdevctlFault> faults)
    {
        faults = [];
        return MdevctlDefinition.Read(json, faults);
    }

    [Fact]
    public void Should_read_the_file_mdevctl_writes()
    {
        var definition = Read("""
            {"mdev_type": "vfio_ap-passthrough", "start": "auto",
             "attrs": [{"assign_adapter": "5"}, {"assign_adapter": "0x6"}, {"assign_domain": "0x4"}, {"assign_domain": "010"},
                       {"assign_control_domain": "4"}]}
            """, out var faults);

        Assert.Empty(faults);
        Assert.NotNull(definition);
        Assert.True(definition.AutoStart);
        Assert.Equal(new ApMatrix(Bitmap256.Of(5, 6), Bitmap256.Of(4, 8), Bitmap256.Of(4)), definition.Matrix);
    }

    [Fact]
    public void Should_write_back_what_it_reads()
    {
        var definition = new MdevctlDefinition(false, new ApMatrix(Bitmap256.Of(1, 200), Bitmap256.Of(0, 255), Bitmap256.Of(7)));

        var again = Read(definition.ToJson().ToJsonString(), out var faults);

        Assert.Empty(faults);
        Assert.Equal(definition, again);
        Assert.Equal("""{"mdev_type":"vfio_ap-passthrough","start":"manual","attrs":[{"assign_adapter":"1"},{"assign_adapter":"200"},{"assign_domain":"0"},{"assign_domain":"255"},{"assign_control_domain":"7"}]}""",
            definition.ToJson().ToJsonString());
    }

    [Fact]
    public void Should_list_as_mdevctl_dumps_the_matrix_parent()
    {
        var json = MdevctlDefinition.ListJson([("m1", new MdevctlDefinition(true, new ApMatrix(Bitmap256.Of(5), Bitmap256.Of(4), Bitmap256.Empty)))]).ToJsonString();

        Assert.Equal("""[{"matrix":[{"m1":{"mdev_type":"vfio_ap-passthrough","start":"auto","attrs":[{"assign_adapter":"5"},{"assign_domain":"4"}]}}]}]""", json);
    }

    [Fact]
    public void Should_name_every_fault_of_a_bad_file_at_once()
    {
        var definition = Read("""
            {"mdev_type": "vfio_ap-passthrough", "start": "sometimes", "parent": "matrix",
             "attrs": [{"assign_adapter": "5"}, {"assign_adapter": "256"}, {"assign_domain": "0x"}, {"assign_domain": 4},
                       {"assign_usage_domain": "1"}, {"assign_adapter": "1", "assign_domain": "2"}, {"assign_control_domain": "08"}]}
            """, out var faults);

        Assert.Null(definition);
        Assert.Equal(
        [
            "parent: unknown field parent: mdevctl's vfio_ap definitions have mdev_type, start and attrs",
            "start: start is \"sometimes\", not auto or manual",
            "attrs[1] assign_adapter: \"256\" is not a number from 0 to 255",
            "attrs[2] assign_domain: \"0x\" is not a number from 0 to 255",
            "attrs[3] assign_domain: 4 is not a string as sysfs reads it",
            "attrs[4] assign_usage_domain: assign_usage_domain is not an attribute of a vfio_ap mdev: assign_adapter, assign_domain, assign_control_domain",
            "attrs[5]: an attribute is an object of one name and its value, e.g. {\"assign_adapter\": \"5\"}",
            "attrs[6] assign_control_domain: \"08\" is not a number from 0 to 255",
        ], faults.Select(f => f.ToString()));
    }

    [Theory]
    [InlineData("", "not JSON at line 1, byte 1: The input does not contain any JSON tokens.")]
    [InlineData("{\"mdev_type\": \"vfio_ap-passthrough\",\n  \"start\": ", "not JSON at line 2, byte 12: ")]
    [InlineData("[]", "the file is not a JSON object")]
    [InlineData("""{"mdev_type": "vfio-pci", "start": "manual", "attrs": []}""", "mdev_type: mdev_type is \"vfio-pci\", not vfio_ap-passthrough")]
    [InlineData("""{"start": "manual", "attrs": []}""", "mdev_type: mdev_type is missing, not vfio_ap-passthrough")]
    [InlineData("""{"mdev_type": "vfio_ap-passthrough", "start": "manual", "attrs": {"assign_adapter": "5"}}""", "attrs: attrs is not a list")]
    [InlineData("""{"mdev_type": "vfio_ap-passthrough", "attrs": []}""", "start: start is missing, not auto or manual")]
    [InlineData("""{"mdev_type": "vfio_ap-passthrough", "start": null}""", "start: start is null, not auto or manual")]
    [InlineData("""{"mdev_type": "vfio_ap-passthrough", "start": true}""", "start: start is true, not auto or manual")]
    [InlineData("""{"mdev_type": "vfio_ap-passthrough", "start": "manual", "attrs": [{"assign_adapter": null}]}""",
        "attrs[0] assign_adapter: null is not a string as sysfs reads it")]
    [InlineData("""{"mdev_type": "vfio_ap-passthrough", "start": "manual", "attrs": [{"assign_adapter": "4", "assign_adapter": "5"}]}""",
        "not JSON: Duplicate property 'assign_adapter'")]
    [InlineData("""{"mdev_type": "vfio_ap-passthrough", "mdev_type": "vfio_ap-passthrough", "start": "manual"}""",
        "not JSON: Duplicate property 'mdev_type'")]
    public void Should_refuse_what_is_no_vfio_ap_definition(string json, string fault)
    {
        Assert.Null(Read(json, out var faults));
        Assert.StartsWith(fault, Assert.Single(faults).ToString());
    }

    [Fact]
    public void Should_take_attrs_as_empty_when_absent()
    {
        var definition = Read("""{"mdev_type": "vfio_ap-passthrough", "start": "manual"}""", out var faults);

        Assert.Empty(faults);
        Assert.Equal(new MdevctlDefinition(false, default), definition);
    }
}
