/* A C program as a user of the installed library writes it: built by tests/install.rs
 * outside the repository, with pkg-config (shared and -static) and with CMake's
 * find_package(gradient) (gradient::gradient and gradient::gradient_static). */
#include <stdio.h>
#include "gradient.h"

int main(void) {
    double f[4] = {5, 7, 4, 8}, out[4];
    size_t shape[1] = {4};
    grad_status s;
    if (grad_version() != GRAD_VERSION) {
        fprintf(stderr, "header %d, library %u\n", GRAD_VERSION, grad_version());
        return 1;
    }
    s = grad_gradient_f64(f, 1, shape, GRAD_LAYOUT_ROW_MAJOR, NULL, 1, out, 4, 1);
    if (s != GRAD_STATUS_OK) {
        fprintf(stderr, "%s\n", grad_last_error());
        return 1;
    }
    /* np.gradient([5, 7, 4, 8]) */
    if (out[0] != 2 || out[1] != -0.5 || out[2] != 0.5 || out[3] != 4) {
        fprintf(stderr, "wrong result %g %g %g %g\n", out[0], out[1], out[2], out[3]);
        return 1;
    }
    printf("gradient %s from C: %g %g %g %g\n", grad_version_string(), out[0], out[1], out[2],
           out[3]);
    return 0;
}
