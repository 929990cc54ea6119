using Apmatrix.ApModel;

namespace Apmatrix.Engine.Tests;

public class ApqnTests
{
    [Fact]
    public void Adapter_is_the_high_byte_and_domain_the_low_byte()
    {
        var apqn = new Apqn(5, 4);

        Assert.Equal(0x0504, apqn.Value);
        Assert.Equal(5, apqn.Adapter);
        Assert.Equal(4, apqn.Domain);
        Assert.Equal(apqn, Apqn.FromValue(0x0504));
    }

    [Theory]
    [InlineData(5, 4, "05.0004")]
    [InlineData(0, 0, "00.0000")]
    [InlineData(0xab, 0xcd, "ab.00cd")]
    [InlineData(255, 255, "ff.00ff")]
    public void Prints_as_sysfs_names_queue_devices(int adapter, int domain, string text)
    {
        Assert.Equal(text, new Apqn(adapter, domain).ToString());
        Assert.Equal(new Apqn(adapter, domain), Apqn.Parse(text));
    }

    [Fact]
    public void Every_apqn_round_trips_through_its_name()
    {
        for (var value = 0; value <= 0xFFFF; value++)
        {
            var apqn = Apqn.FromValue(value);
            Assert.True(Apqn.TryParse(apqn.ToString(), out var parsed));
            Assert.Equal(value, parsed.Value);
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("05")]
    [InlineData("05.")]
    [InlineData(".0004")]
    [InlineData("005.0004")]
    [InlineData("05.00004")]
    [InlineData("05.0100")]
    [InlineData("0g.0004")]
    [InlineData("05-0004")]
    [InlineData(" 05.0004")]
    [InlineData("05.0004 ")]
    [InlineData("-5.0004")]
    [InlineData("05.-004")]
    public void Should_reject_what_is_no_queue_name(string text)
    {
        Assert.False(Apqn.TryParse(text, out _));
        Assert.Throws<FormatException>(() => Apqn.Parse(text));
    }

    [Theory]
    [InlineData(256, 0)]
    [InlineData(0, 256)]
    [InlineData(-1, 0)]
    [InlineData(0, -1)]
    public void Should_refuse_ids_outside_0_to_255(int adapter, int domain)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Apqn(adapter, domain));
    }

    [Fact]
    public void Orders_adapter_major()
    {
        var sorted = new[] { new Apqn(6, 0), new Apqn(5, 5), new Apqn(5, 4), new Apqn(4, 255) }.Order().ToList();

        Assert.Equal(["04.00ff", "05.0004", "05.0005", "06.0000"], sorted.Select(a => a.ToString()));
        Assert.True(new Apqn(5, 4) == Apqn.Parse("05.0004"));
        Assert.True(new Apqn(5, 4) != new Apqn(4, 5));
    }
}
