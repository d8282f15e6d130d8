using System.Reflection;

namespace TongBan.Tests.Shared;

/// <summary>Linked into each test project (tests/Shared): every test class of that project says which kind it is, so <c>./test.sh --fast</c> (Category=Unit) and other subsets pick it up.</summary>
[Trait("Category", "Unit")]
public sealed class TestCategoryTests
{
    private static readonly string[] Categories = ["Unit", "Integration", "Fault", "Browser"];

    [Fact]
    public void Every_test_class_has_one_category_trait()
    {
        var missing = typeof(TestCategoryTests).Assembly.GetTypes()
            // A contract class's tests run (and are filtered) as its concrete subclasses.
            .Where(t => !t.IsAbstract && t.GetMethods().Any(m => m.GetCustomAttributes<FactAttribute>(inherit: true).Any()))
            .Where(t => CategoriesOf(t).Count() != 1)
            .Select(t => t.FullName)
            .Order()
            .ToList();
        Assert.True(missing.Count == 0, "test classes without exactly one Category trait (run python3 tools/add_test_traits.py .): " + string.Join(", ", missing));
    }

    /// <summary>xUnit's trait attribute keeps its name and value only as constructor arguments.</summary>
    private static IEnumerable<string?> CategoriesOf(Type type) =>
        type.GetCustomAttributesData()
            .Where(a => a.AttributeType == typeof(TraitAttribute) && (string?)a.ConstructorArguments[0].Value == "Category")
            .Select(a => (string?)a.ConstructorArguments[1].Value)
            .Where(Categories.Contains);
}
