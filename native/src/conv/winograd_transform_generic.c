/* The Winograd transforms in portable C (vectorised for the baseline ISA by the compiler). */
#define WINOGRAD_INPUT winograd_input_generic
#define WINOGRAD_OUTPUT winograd_output_generic
#include "winograd_transform_impl.h"
