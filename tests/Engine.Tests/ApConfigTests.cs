using Apmatrix.ApModel;

namespace Apmatrix.Engine.Tests;

public class ApConfigTests
{
    static ApConfig Config(string apm, string aqm, string adm) =>
        new(Bitmap256.ParseRangeList(apm), Bitmap256.ParseRangeList(aqm), Bitmap256.ParseRangeList(adm), 15, 15);

    [Fact]
    public void Names_every_field_with_ids_above_the_maxima_and_every_such_id()
    {
        var config = Config("4,16,99-100", "1-3", "20");

        Assert.Equal([("apm", "adapters 16,99-100 are above the host's maximum adapter 15"), ("adm", "control domain 20 is above the host's maximum domain 15")],
            config.AboveMaxima());
        Assert.Equal("--apm: adapters 16,99-100 are above the host's maximum adapter 15; --adm: control domain 20 is above the host's maximum domain 15",
            config.AboveMaximaText("--"));
    }

    [Fact]
    public void A_configuration_within_the_maxima_has_no_fault()
    {
        var config = Config("0-15", "0-15", "0-15");

        Assert.Empty(config.AboveMaxima());
        Assert.Null(config.AboveMaximaText());
    }
}
