// The one translation unit of test_core that defines the Boost.Test module.
#define BOOST_TEST_MODULE vouch core
#include <boost/test/unit_test.hpp>
